using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using ModelOps.Core.Data;
using ModelOps.Core.Registry;
using ModelOps.Core.Storage;
using ModelOps.Core.Training;

namespace ModelOps.Core.Pipelines.Activities;

/// <summary>
/// Step 2: the second data pass. Applies the cleaning plan that <see cref="IngestActivity"/> made to the rows it kept,
/// chunk by chunk, splits them into training and held-out rows as they stream (the held-out rows are what candidate and
/// champion are both scored on), and writes both as chunk files. Rejected rows go to quarantine with a reason.
/// </summary>
public sealed class CleanActivity(RunStore runs, BlobServiceClient blobs) : IActivity<CleanRequest, CleanResult>
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
        var plan = await runs.ReadJsonAsync<CleaningPlan>(StorageLayout.RunFile(input.RunId, IngestActivity.PlanFile), cancellationToken);
        var setup = await runs.ReadJsonAsync<LearningSetup>(StorageLayout.RunFile(input.RunId, IngestActivity.ProblemFile), cancellationToken);
        var anomalies = await runs.ReadJsonAsync<List<Anomaly>>(StorageLayout.RunFile(input.RunId, IngestActivity.ValidationFile), cancellationToken);

        var (trainPath, holdoutPath, cleaner) = await WriteCleanedAsync(input, schema, plan, config, setup.Problem.Task != LearningTask.Regression, cancellationToken);
        var (report, cleanSchema) = cleaner.Complete();

        var rejected = ingested.RejectedRows > 0 ? await WriteRejectedAsync(input.RunId, schema, cancellationToken) : 0;
        if (cleaner.TrainRows < MinTrainingRows || cleaner.HoldoutRows == 0)
        {
            throw new PipelineFailedException(
                $"Only {report.RowsOut} usable rows are left after cleaning ({report.MissingLabelRowsDropped} without a label, " +
                $"{report.DuplicateRowsDropped} duplicates); at least {MinTrainingRows + 5} are needed to train and evaluate a model.");
        }
        var schemaPath = await runs.WriteJsonAsync(input.RunId, "data/schema.json", cleanSchema, cancellationToken);
        await runs.WriteJsonAsync(input.RunId, CleaningFile, report, cancellationToken);

        return new CleanResult(setup.Problem, trainPath, holdoutPath, schemaPath, (int)cleaner.TrainRows, (int)cleaner.HoldoutRows,
            report.DuplicateRowsDropped, report.MissingLabelRowsDropped, (int)rejected, setup.Identifiers,
            anomalies.Select(a => $"[{a.Code}] {a.Message}").ToList(), setup.Feedback);
    }

    private async Task<(string TrainPath, string HoldoutPath, CleanedWriter Cleaner)> WriteCleanedAsync(
        CleanRequest input, TableSchema schema, CleaningPlan plan, ModelConfig config, bool stratify, CancellationToken cancellationToken)
    {
        var (trainPath, trainStream) = runs.OpenWrite(input.RunId, "data/train" + ChunkFile.Extension, cancellationToken);
        var (holdoutPath, holdoutStream) = runs.OpenWrite(input.RunId, "data/holdout" + ChunkFile.Extension, cancellationToken);
        await using (trainStream)
        await using (holdoutStream)
        {
            ChunkFileWriter? train = null, holdout = null;
            // The cleaner keeps every row of a chunk in order, so the chunk's source row numbers still fit its output:
            // training tells feedback rows by them.
            long[] numbers = [];
            var cleaner = new CleanedWriter(schema, plan,
                (t, rows) => train!.Write(t, numbers, rows),
                new HoldoutSplitter(config.Search.HoldoutFraction, input.Seed, stratify),
                (t, rows) => holdout!.Write(t, numbers, rows));
            using (train = ChunkFile.CreateWriter(trainStream, cleaner.Schema))
            using (holdout = ChunkFile.CreateWriter(holdoutStream, cleaner.Schema))
            {
                await using var kept = await runs.OpenReadAsync(input.Ingested.DataPath, cancellationToken);
                foreach (var chunk in ChunkFile.Read(kept, reuseArrays: true).Chunks)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    numbers = chunk.RowNumbers;
                    cleaner.Add(chunk.Rows, owned: true);
                    // Both files upload behind the cleaning; this bounds the blocks in flight.
                    await trainStream.WaitForRoomAsync(cancellationToken);
                    await holdoutStream.WaitForRoomAsync(cancellationToken);
                }
                train.Complete();
                holdout.Complete();
            }
            await trainStream.CompleteAsync(cancellationToken);
            await holdoutStream.CompleteAsync(cancellationToken);
            return (trainPath, holdoutPath, cleaner);
        }
    }

    /// <summary>
    /// Streams the rows left out at ingest to <c>quarantine/{runId}/rejected.csv</c>: the unreadable lines of each file
    /// (few: a file with many fails to read), then the rows the data pass set aside, read back from its spill as they are
    /// written out, so neither the rows nor the CSV are ever whole in memory.
    /// </summary>
    private async Task<long> WriteRejectedAsync(string runId, TableSchema schema, CancellationToken cancellationToken)
    {
        var unreadable = await runs.ReadJsonAsync<List<RejectedRow>>(StorageLayout.RunFile(runId, IngestActivity.ReadRejectedFile), cancellationToken);
        var columns = schema.Columns.Select(c => c.Name).ToList();
        var width = unreadable.Select(r => r.Values.Count).Append(columns.Count).Max();
        await using var setAside = await runs.OpenReadAsync(StorageLayout.RunFile(runId, IngestActivity.CleanRejectedFile), cancellationToken);
        var blob = blobs.GetBlobContainerClient(StorageLayout.Quarantine).GetBlockBlobClient(StorageLayout.RejectedRows(runId));
        // The file appears whole or not at all: a clean that fails part-way leaves no half-written quarantine file.
        await using var output = new BlockUploadStream(blob, cancellationToken: cancellationToken);
        var rows = unreadable.ToAsyncEnumerable().Concat(RejectedRowLog.ReadAsync(setAside, cancellationToken));
        var written = await CsvTableWriter.WriteRejectedAsync(columns, width, rows, output, cancellationToken);
        await output.CompleteAsync(cancellationToken);
        return written;
    }

    internal static LearningTask? ParseTask(string? task) =>
        task is null ? null : Enum.Parse<LearningTask>(task, ignoreCase: true);
}
