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
/// Step 1: reads every data blob of the model (pinned by ETag, hashed for lineage) and its config, chunk by chunk, and
/// runs the first data pass on the chunks as they are parsed (<see cref="DataPass"/>: profile, validation, rows without a
/// label and duplicates set aside, the cleaning plan and what it will do, the holdout split). The rows that stay go to one
/// chunk file in the run's folder, which every later step reads through the plan and the split (<see cref="CleanedRows"/>).
/// Unusable files fail here with the reader's own explanation; data that fails validation fails here with its anomalies,
/// before anything is cleaned or trained.
/// </summary>
public sealed class IngestActivity(
    DatasetCatalog datasets, RunStore runs, DatasetQuarantine quarantine, FeedbackStore feedback, ModelRegistry registry, TimeProvider time)
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

        var context = await ValidationContextAsync(input.Model, config, cancellationToken);
        // Columns whose kind, settled on the first rows, did not hold for a whole file are read again as text; JSON keys
        // first met after the first chunk are read again as columns from the start.
        var again = new ReadAgain([], []);
        while (true)
        {
            var (result, more) = await IngestAsync(input, config, context, blobs, again, cancellationToken);
            if (more is null)
            {
                return result;
            }
            var next = new ReadAgain([.. again.AsText, .. more.AsText], more.Columns.Count > 0 ? more.Columns : again.Columns);
            if (next.AsText.Count == again.AsText.Count && next.Columns.Count == again.Columns.Count)
            {
                // Each read learns something the last did not, so this ends; a read that learns nothing would loop.
                throw new InvalidOperationException("A data file asked to be read again with nothing new to read it with.");
            }
            again = next;
        }
    }

    /// <summary>What the next read of a model's files must know from the last one.</summary>
    /// <param name="AsText">Columns to read as categorical text.</param>
    /// <param name="Columns">JSON lines: every column of the first file, late keys included, in order, with their kinds.</param>
    private sealed record ReadAgain(IReadOnlyList<string> AsText, IReadOnlyList<ColumnSchema> Columns);

    private async Task<(IngestResult Result, ReadAgain? Again)> IngestAsync(IngestRequest input, ModelConfig config,
        ValidationContext context, IReadOnlyList<BlobItem> blobs, ReadAgain again, CancellationToken cancellationToken)
    {
        var lineage = new List<DatasetBlob>();
        var reports = new List<CsvReadReport>();
        TableSchema? schema = null;
        ChunkFileWriter? writer = null;
        DataPass? pass = null;
        BlobItem? passFile = null; // the file whose rows the pass is taking in
        FeedbackWeighting? weighting = null;
        long lastRow = 0; // the highest source row number of any data file (per file, so not the row count)
        var (dataPath, output) = runs.OpenWrite(input.RunId, DataFile, cancellationToken);
        // Rows the data pass sets aside go straight to the run's folder: a file of duplicates must not fill memory.
        var (_, spill) = runs.OpenWrite(input.RunId, CleanRejectedFile, cancellationToken);
        var setAside = new RejectedRowLog(spill);
        // So do the lines the readers cannot take (up to 5% of a file's rows): found on the reader's thread, written on the
        // chunk consumer's, which also waits for the spill's uploads.
        var (_, unreadableSpill) = runs.OpenWrite(input.RunId, ReadRejectedFile, cancellationToken);
        var unreadable = new RejectedRowLog(unreadableSpill);
        await using (output)
        await using (spill)
        await using (unreadableSpill)
        {
            // The writer goes before the streams: disposing it flushes its buffer into them.
            try
            {
                foreach (var item in blobs)
                {
                    // Later files are read with the first file's kinds (and JSON keys), so the rows stack.
                    var options = config.Data.ReadOptions(schema) with
                    {
                        KnownColumns = schema?.Columns ?? again.Columns,
                    };
                    if (again.AsText.Count > 0)
                    {
                        options = options with { Schema = WithText(options.Schema, again.AsText) };
                    }
                    var file = Path.GetFileName(item.Name);
                    var (read, blob) = await ReadAsync(input.Model, item, options, async (chunk, token) =>
                    {
                        unreadable.AddPosted();
                        if (writer is not null && !SameColumns(writer.Schema, chunk.Rows.Schema))
                        {
                            throw DifferentColumns(Names(writer.Schema), Names(chunk.Rows.Schema));
                        }
                        writer ??= ChunkFile.CreateWriter(output, chunk.Rows.Schema);
                        pass ??= new DataPass(chunk.Rows.Schema, config.Label ?? Training.TrainingProblem.ResolveLabel(chunk.Rows.Schema, null),
                            config.Data.Cleaning, context, config.Data.Validation,
                            expectedRows: DataPass.ExpectedRows(blobs.Sum(b => b.Properties.ContentLength ?? 0), chunk, options.MaxRows), rejected: setAside);
                        if (!ReferenceEquals(passFile, item))
                        {
                            pass.BeginFile(file); // rows set aside name their file, as the reader's rejects do
                            passFile = item;
                        }
                        writer.Write(chunk.Rows, chunk.RowNumbers, pass.Add(chunk));
                        // A file's row numbers rise, so a chunk's last is its highest.
                        if (chunk.RowNumbers.Length > 0) lastRow = Math.Max(lastRow, chunk.RowNumbers[^1]);
                        // The run's files upload behind the read; this bounds the blocks in flight.
                        await output.WaitForRoomAsync(token);
                        await spill.WaitForRoomAsync(token);
                        await unreadableSpill.WaitForRoomAsync(token);
                    }, row => unreadable.Post(row with { Reason = $"{file}: {row.Reason}" }), cancellationToken);
                    unreadable.AddPosted();
                    if (read.MustReread)
                    {
                        ColumnSchema[] columns = read.LateColumns.Count > 0 ? [.. read.Schema.Columns, .. read.LateColumns] : [];
                        if (columns.Length > 0 && schema is not null)
                        {
                            throw DifferentColumns(Names(schema), Names(new TableSchema(columns))); // keys the first file does not have
                        }
                        return (null!, new ReadAgain(read.ColumnsToReread, columns));
                    }
                    schema ??= read.Schema;
                    reports.Add(read.Report);
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
                        if (!SameColumns(writer!.Schema, rows.Schema))
                        {
                            throw DifferentColumns(Names(writer.Schema), Names(rows.Schema));
                        }
                        // Numbered past every data file's rows, so training tells them apart by number alone.
                        var next = Math.Max(pass!.RowCount + 2, lastRow + 1);
                        var chunk = new TableChunk(rows, Enumerable.Range(0, rows.RowCount).Select(r => next + r).ToArray());
                        pass.BeginFile("traffic feedback");
                        writer.Write(chunk.Rows, chunk.RowNumbers, pass.Add(chunk));
                        var weight = config.Monitor.FeedbackWeight;
                        // Weighted in training only: profile, validation and cleaning plan see each row once.
                        weighting = weight == 1 ? null : new FeedbackWeighting(next, weight);
                        lineage.Add(source! with { Name = $"{source!.Name}: {rows.RowCount} rows, weight {weight.ToString(System.Globalization.CultureInfo.InvariantCulture)}" });
                    }
                }
                writer!.Complete();
                await output.CompleteAsync(cancellationToken);
                await spill.CompleteAsync(cancellationToken);
                await unreadableSpill.CompleteAsync(cancellationToken);
            }
            finally
            {
                writer?.Dispose();
            }
        }
        var ingestedSchema = writer!.Schema;
        var schemaPath = await runs.WriteJsonAsync(input.RunId, "data/ingested.schema.json", ingestedSchema, cancellationToken);
        await runs.WriteJsonAsync(input.RunId, ReadReportFile, reports, cancellationToken);

        var found = pass!.Finish(reports.Count == 1 ? reports[0] : null);
        await runs.WriteJsonAsync(input.RunId, CleanActivity.ProfileFile, found.Profile, cancellationToken);
        await runs.WriteJsonAsync(input.RunId, ValidationFile, found.Validation.Anomalies, cancellationToken);
        if (!found.Validation.Passed)
        {
            throw new PipelineFailedException("The data failed validation, so nothing was trained: "
                + string.Join(" ", found.Validation.Errors.Select(a => $"[{a.Code}]{(a.Column is null ? "" : $" '{a.Column}'")}: {a.Message}")));
        }
        var plan = found.Plan!;
        await runs.WriteJsonAsync(input.RunId, PlanFile, plan, cancellationToken);

        // Labels are never filled or clipped, so the problem is known from the first pass.
        var dropped = plan.DroppedColumns.Select(d => d.Column).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var kept = new TableSchema(ingestedSchema.Columns.Where(c => !dropped.Contains(c.Name)).ToArray());
        var identifiers = IdentifierColumns.Find(kept, plan.RowsKept, pass.Distinct, plan.LabelColumn)
            .Except(config.Exclude, StringComparer.OrdinalIgnoreCase).ToList();
        var problem = Training.TrainingProblem.Infer(pass.LabelLevels(kept), plan.LabelColumn, CleanActivity.ParseTask(config.Task), config.Metric,
            [.. config.Exclude, .. identifiers]);
        // Classes are split each in the same proportion; the split is counted now and replayed by every reader of the rows.
        var split = new HoldoutSplit(config.Search.HoldoutFraction, config.Search.Seed,
            Stratify: problem.Task != Training.LearningTask.Regression && pass.LabelLevelsCounted);
        var (trainRows, holdoutRows) = pass.Split(split);
        await runs.WriteJsonAsync(input.RunId, ProblemFile, new LearningSetup(problem, identifiers, weighting, split, trainRows, holdoutRows), cancellationToken);
        // What the plan will do to the kept rows, worked out from their statistics: nothing is cleaned ahead of reading.
        await runs.WriteJsonAsync(input.RunId, CleanActivity.CleanedSchemaFile, found.CleanedSchema!, cancellationToken);
        await runs.WriteJsonAsync(input.RunId, CleanActivity.CleaningFile, found.Cleaning!, cancellationToken);
        return (new IngestResult(lineage, (int)pass.RowCount, ingestedSchema.Columns.Count, (int)(unreadable.Count + setAside.Count), config, dataPath, schemaPath), null);
    }

    /// <summary>The rows that stay after the first pass (label present, no duplicate), as a <see cref="ChunkFile"/>.</summary>
    internal const string DataFile = "data/kept" + ChunkFile.Extension;

    internal const string ValidationFile = "data/validation.json";

    internal const string PlanFile = "data/cleaning-plan.json";

    /// <summary>Lines the readers could not take (ragged, not JSON objects), with the file named in each reason, one JSON
    /// line each (<see cref="RejectedRowLog"/>).</summary>
    internal const string ReadRejectedFile = "data/ingest-rejected.jsonl";

    /// <summary>Rows the data pass set aside (no label, duplicates), one JSON line each (<see cref="RejectedRowLog"/>).</summary>
    internal const string CleanRejectedFile = "data/clean-rejected.jsonl";

    internal const string ProblemFile = "data/problem.json";

    /// <summary>
    /// What the new data is checked against: the declared schema, the production version (its schema and profile, whose
    /// histogram bins the new profile uses so the two compare) and the last deployed run's row count.
    /// </summary>
    private async Task<ValidationContext> ValidationContextAsync(ModelName model, ModelConfig config, CancellationToken cancellationToken)
    {
        var production = await registry.GetAliasAsync(model, ModelRegistry.Production, cancellationToken);
        var manifest = production is null ? null : await registry.GetManifestAsync(model, production.Version, cancellationToken);
        var baseline = manifest is null ? null
            : await registry.ReadVersionFileAsync<DataProfile>(model, manifest.Version, CleanActivity.ProfileFile, cancellationToken);
        var declared = config.Data.Schema is { Count: > 0 } columns ? new TableSchema(columns) : null;
        return new ValidationContext(null, null, declared, manifest?.Schema, baseline, baseline?.RowCount);
    }

    private static bool SameColumns(TableSchema a, TableSchema b) =>
        a.Columns.Count == b.Columns.Count && a.Columns.Zip(b.Columns).All(p => string.Equals(p.First.Name, p.Second.Name, StringComparison.OrdinalIgnoreCase));

    private static PipelineFailedException DifferentColumns(string first, string other) =>
        new($"The model's data files have different columns: [{first}] and [{other}]. Every file of a model must have the same header.");

    private static string Names(TableSchema schema) => string.Join(", ", schema.Columns.Select(c => c.Name));

    private static TableSchema WithText(TableSchema? schema, IReadOnlyList<string> columns)
    {
        var list = schema?.Columns.Where(c => !columns.Contains(c.Name, StringComparer.OrdinalIgnoreCase)).ToList() ?? [];
        list.AddRange(columns.Select(c => new ColumnSchema(c, ColumnKind.Categorical)));
        return new TableSchema(list);
    }

    private async Task<(ChunkedReadResult Read, DatasetBlob Lineage)> ReadAsync(
        ModelName model, BlobItem item, CsvReadOptions options, Func<TableChunk, CancellationToken, ValueTask> onChunk, Action<RejectedRow> onRejected,
        CancellationToken cancellationToken)
    {
        var file = Path.GetFileName(item.Name);
        var etag = item.Properties.ETag!.Value;
        try
        {
            // One download streamed from start to end (resumed on a transient failure, still of this version): a request
            // per buffer would stall the parser for a round trip every few megabytes.
            var download = await datasets.Blob(item.Name).DownloadStreamingAsync(new BlobDownloadOptions
            {
                Conditions = new BlobRequestConditions { IfMatch = etag },
            }, cancellationToken);
            await using var blob = download.Value.Content;
            using var sha = SHA256.Create();
            await using var hashing = new CryptoStream(blob, sha, CryptoStreamMode.Read, leaveOpen: true);
            var read = await DataFileReader.ReadChunksAsync(hashing, item.Name, options, item.Properties.ContentLength, onChunk,
                cancellationToken: cancellationToken, onRejected: onRejected);
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

/// <summary>What the first pass worked out about the learning problem, for the clean step.</summary>
/// <param name="Feedback">How training weighs the feedback rows that joined; null when none did or they count as one row each.</param>
/// <param name="TrainRows">How many kept rows <paramref name="Split"/> gives to training.</param>
internal sealed record LearningSetup(Training.TrainingProblem Problem, IReadOnlyList<string> Identifiers, FeedbackWeighting? Feedback,
    HoldoutSplit Split, long TrainRows, long HoldoutRows);
