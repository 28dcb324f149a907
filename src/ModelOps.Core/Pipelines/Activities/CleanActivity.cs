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
        var raw = await runs.ReadTableAsync(ingested.DataPath, schema, cancellationToken);

        // A configured label is checked by validation (label_missing), the inferred one always exists.
        var label = config.Label ?? TrainingProblem.ResolveLabel(raw.Schema, null);
        var validation = await ValidateAsync(input, raw, label, config, cancellationToken);
        var cleaning = Cleaner.Clean(raw, label, config.Data.Cleaning);
        var table = cleaning.Table;
        var identifiers = IdentifierColumns.Find(table, label).Except(config.Exclude, StringComparer.OrdinalIgnoreCase).ToList();
        var problem = TrainingProblem.Infer(table, label, ParseTask(config.Task), config.Metric, [.. config.Exclude, .. identifiers]);

        var readRejected = await runs.ReadJsonAsync<List<RejectedRow>>(
            StorageLayout.RunFile(input.RunId, "data/ingest-rejected.json"), cancellationToken);
        var rejected = readRejected.Concat(cleaning.Rejected).ToList();
        if (rejected.Count > 0)
        {
            await WriteRejectedAsync(input.RunId, raw.Schema, rejected, cancellationToken);
        }

        var labelIndex = table.Schema.IndexOf(label);
        var (trainRows, holdoutRows) = TableRows.Split(
            table, labelIndex, stratify: problem.Task != LearningTask.Regression, config.Search.HoldoutFraction, input.Seed);
        if (trainRows.Length < MinTrainingRows || holdoutRows.Length == 0)
        {
            throw new PipelineFailedException(
                $"Only {table.RowCount} usable rows are left after cleaning ({cleaning.Report.MissingLabelRowsDropped} without a label, " +
                $"{cleaning.Report.DuplicateRowsDropped} duplicates); at least {MinTrainingRows + 5} are needed to train and evaluate a model.");
        }

        var cleanSchema = SchemaInference.Infer(table, maxCategories: 100);
        var trainPath = await runs.WriteTableAsync(input.RunId, "data/train.csv", table.SelectRows(trainRows), cancellationToken);
        var holdoutPath = await runs.WriteTableAsync(input.RunId, "data/holdout.csv", table.SelectRows(holdoutRows), cancellationToken);
        var schemaPath = await runs.WriteJsonAsync(input.RunId, "data/schema.json", cleanSchema, cancellationToken);
        await runs.WriteJsonAsync(input.RunId, CleaningFile, cleaning.Report, cancellationToken);

        return new CleanResult(problem, trainPath, holdoutPath, schemaPath, trainRows.Length, holdoutRows.Length,
            cleaning.Report.DuplicateRowsDropped, cleaning.Report.MissingLabelRowsDropped, rejected.Count, identifiers,
            validation.Anomalies.Select(a => $"[{a.Code}] {a.Message}").ToList());
    }

    /// <summary>
    /// Profiles the new data (binned like the production version's profile, so the two compare) and checks it against the
    /// declared schema, the production version and the last deployed run. Any error fails the run before anything trains.
    /// </summary>
    private async Task<ValidationReport> ValidateAsync(CleanRequest input, Table raw, string label, ModelConfig config, CancellationToken cancellationToken)
    {
        var production = await registry.GetAliasAsync(input.Model, ModelRegistry.Production, cancellationToken);
        var manifest = production is null ? null : await registry.GetManifestAsync(input.Model, production.Version, cancellationToken);
        var baseline = manifest is null ? null
            : await registry.ReadVersionFileAsync<DataProfile>(input.Model, manifest.Version, ProfileFile, cancellationToken);
        var reads = await runs.ReadJsonAsync<List<CsvReadReport>>(StorageLayout.RunFile(input.RunId, IngestActivity.ReadReportFile), cancellationToken);
        var declared = config.Data.Schema is { Count: > 0 } columns ? new TableSchema(columns) : null;
        var context = new ValidationContext(label, reads.Count == 1 ? reads[0] : null, declared, manifest?.Schema, baseline, baseline?.RowCount);
        var profile = Profiler.Profile(raw, baseline: baseline);
        var report = DataValidator.Validate(raw, context, config.Data.Validation, profile: profile);
        await runs.WriteJsonAsync(input.RunId, ProfileFile, profile, cancellationToken);
        await runs.WriteJsonAsync(input.RunId, "data/validation.json", report.Anomalies, cancellationToken);
        if (!report.Passed)
        {
            throw new PipelineFailedException("The data failed validation, so nothing was trained: "
                + string.Join(" ", report.Errors.Select(a => $"[{a.Code}]{(a.Column is null ? "" : $" '{a.Column}'")}: {a.Message}")));
        }
        return report;
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
