using System.Net;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using ModelOps.Core.Data;
using ModelOps.Core.Registry;
using ModelOps.Core.Serving;
using ModelOps.Core.Storage;

namespace ModelOps.Core.Pipelines.Activities;

/// <summary>
/// Scores every row of a blob (CSV, JSON lines or Parquet) with the model's production version and writes the rows with
/// their predictions to <c>{name}.predictions.csv</c> beside it. Missing features take the training run's fill values.
/// The blob streams through in chunks, each scored and written as it comes, so memory holds a chunk, not the file; the
/// output appears whole once every row is scored, or not at all.
/// </summary>
public sealed class ScoreBlobActivity(BlobServiceClient blobs, ModelRegistry registry) : IActivity<ScoreBlobInput, ScoreBlobResult>
{
    public static string Name => "ScoreBlob";

    public async Task<ScoreBlobResult> RunAsync(ScoreBlobInput input, CancellationToken cancellationToken)
    {
        var (container, path) = BlobPath.Parse(input.Blob);
        var production = await registry.GetAliasAsync(input.Model, ModelRegistry.Production, cancellationToken)
            ?? throw new PipelineFailedException($"Model '{input.Model}' has no version in production to score with.");
        var manifest = await registry.GetManifestAsync(input.Model, production.Version, cancellationToken)
            ?? throw new PipelineFailedException($"Production points at version {production.Version} of '{input.Model}', which is not registered.");
        using var modelFile = await registry.DownloadModelAsync(manifest, cancellationToken);
        using var scorer = ScorerLoader.Load(manifest, modelFile);

        var outputPath = Path.ChangeExtension(path, null) + ".predictions.csv";
        // Columns beside the model's own pass through as text, exactly as read. The read streams, so a blob of any size
        // costs time, not memory: no file-size or row limit.
        var options = new CsvReadOptions
        {
            Schema = manifest.Schema,
            UndeclaredKind = ColumnKind.Categorical,
            MaxBytes = long.MaxValue,
            MaxRows = int.MaxValue,
        };
        for (var pass = 1; ; pass++)
        {
            var (read, rows) = await ScoreAsync(input, container, path, outputPath, options, manifest, scorer, cancellationToken);
            if (!read.MustReread)
            {
                return new ScoreBlobResult(input.Model, manifest.Version, input.Blob, $"{container}/{outputPath}", rows);
            }
            if (pass == 3)
            {
                throw new PipelineFailedException($"{input.Blob}: new keys kept appearing as it was read again.");
            }
            // JSON lines with keys first met past the first chunk: read again knowing them (nothing was written).
            options = options with { KnownColumns = [.. read.Schema.Columns, .. read.LateColumns] };
        }
    }

    /// <summary>One pass over the blob: each chunk scored and its rows with their predictions written to the output.</summary>
    private async Task<(ChunkedReadResult Read, int Rows)> ScoreAsync(ScoreBlobInput input, string container, string path, string outputPath,
        CsvReadOptions options, ModelManifest manifest, IModelScorer scorer, CancellationToken cancellationToken)
    {
        var source = blobs.GetBlobContainerClient(container).GetBlobClient(path);
        await using var output = new BlockUploadStream(blobs.GetBlobContainerClient(container).GetBlockBlobClient(outputPath), cancellationToken: cancellationToken);
        var rows = 0;
        ChunkedReadResult read;
        try
        {
            var download = await source.DownloadStreamingAsync(cancellationToken: cancellationToken); // one streamed request
            await using var stream = download.Value.Content;
            read = await DataFileReader.ReadChunksAsync(stream, path, options, download.Value.Details.ContentLength, async (chunk, token) =>
            {
                if (rows == 0)
                {
                    var missing = manifest.Problem.Features.Where(f => chunk.Rows.Schema.IndexOf(f) < 0).ToList();
                    if (missing.Count > 0)
                    {
                        throw new PipelineFailedException(
                            $"{input.Blob} lacks the feature column(s) {string.Join(", ", missing)} that version {manifest.Version} of '{input.Model}' needs.");
                    }
                }
                var predictions = scorer.Score(chunk.Rows, token);
                await CsvTableWriter.WriteAsync(PredictionColumns.Append(chunk.Rows, predictions, manifest.Problem), output, header: rows == 0, token);
                rows += chunk.Rows.RowCount;
                await output.WaitForRoomAsync(token);
            }, cancellationToken: cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.NotFound)
        {
            throw new PipelineFailedException($"There is no blob '{input.Blob}' to score.");
        }
        if (!read.MustReread)
        {
            await output.CompleteAsync(cancellationToken);
        }
        return (read, rows);
    }
}
