using Azure.Storage.Blobs;
using ModelOps.Core.Data;
using ModelOps.Core.Registry;
using ModelOps.Core.Storage;
using ModelOps.Core.Training;

namespace ModelOps.Core.Pipelines.Activities;

/// <summary>
/// Step 2: cleans the ingested rows around the label, infers what to learn, and splits off the held-out rows that
/// candidate and champion are both scored on. Rejected rows go to quarantine with a reason.
/// </summary>
public sealed class CleanActivity(RunStore runs, BlobServiceClient blobs, ModelRegistry registry) : IActivity<CleanRequest, CleanResult>
{
    /// <summary>Fewer training rows than this cannot be cross-validated into anything meaningful.</summary>
    internal const int MinTrainingRows = 20;

    public static string Name => "Clean";

    /// <summary>The cleaning plan in the run's folder; registration copies it into the manifest.</summary>
    internal const string CleaningFile = "cleaning.json";

    /// <summary>The raw data's profile: the run's baseline, copied to the version on registration.</summary>
    internal const string ProfileFile = "profile.json";

    public async Task<CleanResult> RunAsync(CleanRequest input, CancellationToken cancellationToken)
    {
        var ingested = input.Ingested;
        var config = ingested.Config;
        var schema = await runs.ReadJsonAsync<TableSchema>(ingested.SchemaPath, cancellationToken);

        // A configured label is checked by validation (label_missing), the inferred one always exists.
        var label = config.Label ?? TrainingProblem.ResolveLabel(schema, null);
        var context = await ValidationContextAsync(input, label, config, cancellationToken);

        // Pass 1: profile, validation counts, rows without a label and duplicates, the statistics the plan is made of.
        var pass = new DataPass(schema, label, config.Data.Cleaning, context, config.Data.Validation);
        await ForEachChunkAsync(ingested.DataPath, pass.Add, cancellationToken);
        var found = pass.Finish();
        await runs.WriteJsonAsync(input.RunId, ProfileFile, found.Profile, cancellationToken);
        await runs.WriteJsonAsync(input.RunId, "data/validation.json", found.Validation.Anomalies, cancellationToken);
        if (!found.Validation.Passed)
        {
            throw new PipelineFailedException("The data failed validation, so nothing was trained: "
                + string.Join(" ", found.Validation.Errors.Select(a => $"[{a.Code}]{(a.Column is null ? "" : $" '{a.Column}'")}: {a.Message}")));
        }
        var plan = found.Plan!;

        // Labels are never filled or clipped, so the problem is known before the second pass.
        var dropped = plan.DroppedColumns.Select(d => d.Column).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var kept = new TableSchema(schema.Columns.Where(c => !dropped.Contains(c.Name)).ToArray());
        var identifiers = IdentifierColumns.Find(kept, plan.RowsKept, pass.Distinct, label)
            .Except(config.Exclude, StringComparer.OrdinalIgnoreCase).ToList();
        var problem = TrainingProblem.Infer(pass.LabelLevels(kept), label, ParseTask(config.Task), config.Metric, [.. config.Exclude, .. identifiers]);

        // Pass 2: the plan applied to the kept rows, split into training and held-out rows as they go.
        var (trainPath, holdoutPath, cleaner) = await WriteCleanedAsync(input, schema, plan, config, pass,
            problem.Task != LearningTask.Regression, cancellationToken);
        var (report, cleanSchema) = cleaner.Complete();

        var readRejected = await runs.ReadJsonAsync<List<RejectedRow>>(
            StorageLayout.RunFile(input.RunId, "data/ingest-rejected.json"), cancellationToken);
        var rejected = readRejected.Concat(found.Rejected).ToList();
        if (rejected.Count > 0)
        {
            await WriteRejectedAsync(input.RunId, schema, rejected, cancellationToken);
        }
        if (cleaner.TrainRows < MinTrainingRows || cleaner.HoldoutRows == 0)
        {
            throw new PipelineFailedException(
                $"Only {report.RowsOut} usable rows are left after cleaning ({report.MissingLabelRowsDropped} without a label, " +
                $"{report.DuplicateRowsDropped} duplicates); at least {MinTrainingRows + 5} are needed to train and evaluate a model.");
        }
        var schemaPath = await runs.WriteJsonAsync(input.RunId, "data/schema.json", cleanSchema, cancellationToken);
        await runs.WriteJsonAsync(input.RunId, CleaningFile, report, cancellationToken);

        return new CleanResult(problem, trainPath, holdoutPath, schemaPath, (int)cleaner.TrainRows, (int)cleaner.HoldoutRows,
            report.DuplicateRowsDropped, report.MissingLabelRowsDropped, rejected.Count, identifiers,
            found.Validation.Anomalies.Select(a => $"[{a.Code}] {a.Message}").ToList());
    }

    private async Task<(string TrainPath, string HoldoutPath, CleanedWriter Cleaner)> WriteCleanedAsync(
        CleanRequest input, TableSchema schema, CleaningPlan plan, ModelConfig config, DataPass pass, bool stratify, CancellationToken cancellationToken)
    {
        var (trainPath, trainStream) = await runs.OpenWriteAsync(input.RunId, "data/train" + ChunkFile.Extension, cancellationToken);
        var (holdoutPath, holdoutStream) = await runs.OpenWriteAsync(input.RunId, "data/holdout" + ChunkFile.Extension, cancellationToken);
        await using (trainStream)
        await using (holdoutStream)
        {
            ChunkFileWriter? train = null, holdout = null;
            var cleaner = new CleanedWriter(schema, plan,
                (t, rows) => train!.Write(t, new long[t.RowCount], rows),
                new HoldoutSplitter(config.Search.HoldoutFraction, input.Seed, stratify),
                (t, rows) => holdout!.Write(t, new long[t.RowCount], rows));
            train = ChunkFile.CreateWriter(trainStream, cleaner.Schema);
            holdout = ChunkFile.CreateWriter(holdoutStream, cleaner.Schema);
            long row = 0;
            await ForEachChunkAsync(input.Ingested.DataPath, chunk =>
            {
                var first = row;
                cleaner.Add(chunk.Rows, r => pass.IsKept(first + r), owned: true);
                row += chunk.Rows.RowCount;
            }, cancellationToken);
            train.Complete();
            holdout.Complete();
            train.Dispose();
            holdout.Dispose();
            return (trainPath, holdoutPath, cleaner);
        }
    }

    private async Task ForEachChunkAsync(string path, Action<TableChunk> action, CancellationToken cancellationToken)
    {
        await using var stream = await runs.OpenReadAsync(path, cancellationToken);
        foreach (var chunk in ChunkFile.Read(stream).Chunks)
        {
            cancellationToken.ThrowIfCancellationRequested();
            action(chunk);
        }
    }

    /// <summary>
    /// What the new data is checked against: the declared schema, the production version (its schema and profile, whose
    /// histogram bins the new profile uses so the two compare) and the last deployed run's row count.
    /// </summary>
    private async Task<ValidationContext> ValidationContextAsync(CleanRequest input, string label, ModelConfig config, CancellationToken cancellationToken)
    {
        var production = await registry.GetAliasAsync(input.Model, ModelRegistry.Production, cancellationToken);
        var manifest = production is null ? null : await registry.GetManifestAsync(input.Model, production.Version, cancellationToken);
        var baseline = manifest is null ? null
            : await registry.ReadVersionFileAsync<DataProfile>(input.Model, manifest.Version, ProfileFile, cancellationToken);
        var reads = await runs.ReadJsonAsync<List<CsvReadReport>>(StorageLayout.RunFile(input.RunId, IngestActivity.ReadReportFile), cancellationToken);
        var declared = config.Data.Schema is { Count: > 0 } columns ? new TableSchema(columns) : null;
        return new ValidationContext(label, reads.Count == 1 ? reads[0] : null, declared, manifest?.Schema, baseline, baseline?.RowCount);
    }

    private async Task WriteRejectedAsync(string runId, TableSchema schema, IReadOnlyList<RejectedRow> rejected, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await CsvTableWriter.WriteRejectedAsync(schema.Columns.Select(c => c.Name).ToList(), rejected, buffer, cancellationToken);
        buffer.Position = 0;
        await blobs.GetBlobContainerClient(StorageLayout.Quarantine).GetBlobClient(StorageLayout.RejectedRows(runId))
            .UploadAsync(buffer, overwrite: true, cancellationToken);
    }

    private static LearningTask? ParseTask(string? task) =>
        task is null ? null : Enum.Parse<LearningTask>(task, ignoreCase: true);
}
