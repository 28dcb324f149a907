using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using ModelOps.Core.Data;
using ModelOps.Core.Storage;
using ModelOps.Core.Training;

namespace ModelOps.Core.Pipelines.Activities;

/// <summary>
/// Step 2: settles the cleaned data without a second pass over it. The first pass (<see cref="IngestActivity"/>) kept the
/// rows, made the cleaning plan, worked out what the plan does (the cleaned schema, fill and clip counts) and counted the
/// holdout split; the plan is applied, and the split replayed, as each later step reads the rows (<see cref="CleanedRows"/>).
/// This step sends the rows left out to quarantine with their reasons, checks enough rows are left to train and evaluate
/// on, and says where the cleaned rows come from.
/// </summary>
public sealed class CleanActivity(RunStore runs, BlobServiceClient blobs) : IActivity<CleanRequest, CleanResult>
{
    /// <summary>Fewer training rows than this cannot be cross-validated into anything meaningful.</summary>
    internal const int MinTrainingRows = 20;

    public static string Name => "Clean";

    /// <summary>What the cleaning does (<see cref="CleaningReport"/>) in the run's folder; registration copies it into the manifest.</summary>
    internal const string CleaningFile = "cleaning.json";

    /// <summary>The cleaned rows' schema (ranges, levels, nullability): what training, serving and the monitor read them by.</summary>
    internal const string CleanedSchemaFile = "data/schema.json";

    /// <summary>The raw data's profile: the run's baseline, copied to the version on registration.</summary>
    internal const string ProfileFile = "profile.json";

    public async Task<CleanResult> RunAsync(CleanRequest input, CancellationToken cancellationToken)
    {
        var ingested = input.Ingested;
        var schema = await runs.ReadJsonAsync<TableSchema>(ingested.SchemaPath, cancellationToken);
        var setup = await runs.ReadJsonAsync<LearningSetup>(StorageLayout.RunFile(input.RunId, IngestActivity.ProblemFile), cancellationToken);
        var report = await runs.ReadJsonAsync<CleaningReport>(StorageLayout.RunFile(input.RunId, CleaningFile), cancellationToken);
        var anomalies = await runs.ReadJsonAsync<List<Anomaly>>(StorageLayout.RunFile(input.RunId, IngestActivity.ValidationFile), cancellationToken);

        var rejected = ingested.RejectedRows > 0 ? await WriteRejectedAsync(input.RunId, schema, cancellationToken) : 0;
        if (setup.TrainRows < MinTrainingRows || setup.HoldoutRows == 0)
        {
            throw new PipelineFailedException(
                $"Only {report.RowsOut} usable rows are left after cleaning ({report.MissingLabelRowsDropped} without a label, " +
                $"{report.DuplicateRowsDropped} duplicates); at least {MinTrainingRows + 5} are needed to train and evaluate a model.");
        }
        var rows = new KeptRows(ingested.DataPath, StorageLayout.RunFile(input.RunId, IngestActivity.PlanFile), setup.Split, setup.Identifiers,
            setup.TrainRows, setup.HoldoutRows);
        return new CleanResult(setup.Problem, rows, StorageLayout.RunFile(input.RunId, CleanedSchemaFile),
            report.DuplicateRowsDropped, report.MissingLabelRowsDropped, (int)rejected, anomalies.Select(a => $"[{a.Code}] {a.Message}").ToList(), setup.Feedback);
    }

    /// <summary>
    /// Streams the rows left out at ingest to <c>quarantine/{runId}/rejected.csv</c>: the unreadable lines of each file,
    /// then the rows the data pass set aside, each read back from its spill as it is written out, so neither the rows nor
    /// the CSV are ever whole in memory. The unreadable lines are read twice: first for the widest (ragged rows may have
    /// more fields than the header), which the CSV's header must know.
    /// </summary>
    private async Task<long> WriteRejectedAsync(string runId, TableSchema schema, CancellationToken cancellationToken)
    {
        var unreadablePath = StorageLayout.RunFile(runId, IngestActivity.ReadRejectedFile);
        var columns = schema.Columns.Select(c => c.Name).ToList();
        var width = columns.Count;
        await using (var widths = await runs.OpenReadAsync(unreadablePath, cancellationToken))
        {
            await foreach (var row in RejectedRowLog.ReadAsync(widths, cancellationToken))
            {
                width = Math.Max(width, row.Values.Count);
            }
        }
        await using var unreadable = await runs.OpenReadAsync(unreadablePath, cancellationToken);
        await using var setAside = await runs.OpenReadAsync(StorageLayout.RunFile(runId, IngestActivity.CleanRejectedFile), cancellationToken);
        var blob = blobs.GetBlobContainerClient(StorageLayout.Quarantine).GetBlockBlobClient(StorageLayout.RejectedRows(runId));
        // The file appears whole or not at all: a clean that fails part-way leaves no half-written quarantine file.
        await using var output = new BlockUploadStream(blob, cancellationToken: cancellationToken);
        var rows = RejectedRowLog.ReadAsync(unreadable, cancellationToken).Concat(RejectedRowLog.ReadAsync(setAside, cancellationToken));
        var written = await CsvTableWriter.WriteRejectedAsync(columns, width, rows, output, cancellationToken);
        await output.CompleteAsync(cancellationToken);
        return written;
    }

    internal static LearningTask? ParseTask(string? task) =>
        task is null ? null : Enum.Parse<LearningTask>(task, ignoreCase: true);
}
