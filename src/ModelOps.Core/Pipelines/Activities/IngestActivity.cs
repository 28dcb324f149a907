using System.Net;
using System.Security.Cryptography;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using ModelOps.Core.Data;
using ModelOps.Core.Registry;
using ModelOps.Core.Serving.Traffic;
using ModelOps.Core.Storage;

namespace ModelOps.Core.Pipelines.Activities;

/// <summary>
/// Step 1: reads every data blob of the model (pinned by ETag, hashed for lineage) and its config, and writes
/// the rows as one table in the run's folder. Unusable files fail here with the reader's own explanation.
/// </summary>
public sealed class IngestActivity(
    DatasetCatalog datasets, RunStore runs, DatasetQuarantine quarantine, FeedbackStore feedback, TimeProvider time)
    : IActivity<IngestRequest, IngestResult>
{
    public static string Name => "Ingest";

    /// <summary>How each file was read (kinds, coercions, unparseable cells): what validation judges type mismatches by.</summary>
    internal const string ReadReportFile = "data/read-report.json";

    public async Task<IngestResult> RunAsync(IngestRequest input, CancellationToken cancellationToken)
    {
        var config = await datasets.ReadConfigAsync(input.Model, cancellationToken);
        var blobs = await datasets.ListAsync(input.Model, cancellationToken);
        if (blobs.Count == 0)
        {
            throw new PipelineFailedException($"Model '{input.Model}' has no data files in datasets/{input.Model}/.");
        }

        var lineage = new List<DatasetBlob>();
        var tables = new List<Table>();
        var rejected = new List<RejectedRow>();
        var reports = new List<CsvReadReport>();
        TableSchema? schema = null;
        foreach (var item in blobs)
        {
            // Later files are read with the first file's kinds, so the rows stack.
            var (read, blob) = await ReadAsync(input.Model, item, config.Data.ReadOptions(schema), cancellationToken);
            schema ??= read.Table.Schema;
            tables.Add(read.Table);
            reports.Add(read.Report);
            rejected.AddRange(read.Rejected.Select(r => r with { Reason = $"{Path.GetFileName(item.Name)}: {r.Reason}" }));
            lineage.Add(blob);
        }

        if (config.Monitor.FeedbackDays > 0)
        {
            // Traffic that got its ground truth joins the training data: how a retrain learns what drifted.
            var to = time.GetUtcNow();
            var label = config.Label ?? Training.TrainingProblem.ResolveLabel(schema!, null);
            var (rows, source) = await FeedbackRows.ReadAsync(feedback, input.Model, schema!, label,
                to.AddDays(-config.Monitor.FeedbackDays), to, cancellationToken);
            if (rows is not null)
            {
                tables.Add(rows);
                lineage.Add(source!);
            }
        }
        var table = TableRows.Concat(tables);
        var dataPath = await runs.WriteTableAsync(input.RunId, "data/ingested.csv", table, cancellationToken);
        var schemaPath = await runs.WriteJsonAsync(input.RunId, "data/ingested.schema.json", table.Schema, cancellationToken);
        await runs.WriteJsonAsync(input.RunId, "data/ingest-rejected.json", rejected, cancellationToken);
        await runs.WriteJsonAsync(input.RunId, ReadReportFile, reports, cancellationToken);
        return new IngestResult(lineage, table.RowCount, table.ColumnCount, rejected.Count, config, dataPath, schemaPath);
    }

    private async Task<(CsvReadResult Read, DatasetBlob Lineage)> ReadAsync(
        ModelName model, BlobItem item, CsvReadOptions options, CancellationToken cancellationToken)
    {
        var file = Path.GetFileName(item.Name);
        var etag = item.Properties.ETag!.Value;
        try
        {
            await using var blob = await datasets.Blob(item.Name).OpenReadAsync(new BlobOpenReadOptions(allowModifications: false)
            {
                Conditions = new BlobRequestConditions { IfMatch = etag },
            }, cancellationToken);
            using var sha = SHA256.Create();
            await using var hashing = new CryptoStream(blob, sha, CryptoStreamMode.Read, leaveOpen: true);
            var read = await DataFileReader.ReadAsync(hashing, item.Name, options, item.Properties.ContentLength, cancellationToken);
            // Reading to the end hashes every byte (even past where the reader stopped) and finalises the hash.
            await hashing.CopyToAsync(Stream.Null, cancellationToken);
            var lineage = new DatasetBlob(item.Name, etag.ToString(), item.Properties.ContentLength ?? 0, Convert.ToHexStringLower(sha.Hash!));
            return (read, lineage);
        }
        catch (DataFileException e)
        {
            // An unreadable file would fail every later run of the model too: it moves to quarantine with its reason.
            await quarantine.QuarantineAsync(datasets.Blob(item.Name), model, $"{e.Code}: {e.Message}", cancellationToken);
            throw new DataFileException(e.Code, $"{file} [{e.Code}]: {e.Message} The file was moved to quarantine/{model}/{file}.");
        }
        catch (RequestFailedException e) when (e.Status is (int)HttpStatusCode.PreconditionFailed or (int)HttpStatusCode.NotFound)
        {
            throw new PipelineFailedException($"{file} changed or was deleted while it was being read; the newer version starts its own run.");
        }
    }
}
