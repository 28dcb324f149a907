using System.Net;
using Azure;
using Azure.Storage.Blobs;
using ModelOps.Core.Data;
using ModelOps.Core.Registry;
using ModelOps.Core.Serving;
using ModelOps.Core.Storage;

namespace ModelOps.Core.Pipelines.Activities;

/// <summary>
/// Scores every row of a blob with the model's production version and writes the rows with their predictions to
/// <c>{name}.predictions.csv</c> beside it. Missing features take the training run's fill values.
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

        var source = blobs.GetBlobContainerClient(container).GetBlobClient(path);
        Table table;
        try
        {
            await using var stream = (await source.DownloadStreamingAsync(cancellationToken: cancellationToken)).Value.Content; // one streamed request
            table = (await CsvTableReader.ReadAsync(stream, new CsvReadOptions { Schema = manifest.Schema }, cancellationToken)).Table;
        }
        catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.NotFound)
        {
            throw new PipelineFailedException($"There is no blob '{input.Blob}' to score.");
        }
        var missing = manifest.Problem.Features.Where(f => table.Schema.IndexOf(f) < 0).ToList();
        if (missing.Count > 0)
        {
            throw new PipelineFailedException(
                $"{input.Blob} lacks the feature column(s) {string.Join(", ", missing)} that version {manifest.Version} of '{input.Model}' needs.");
        }

        var predictions = scorer.Score(table, cancellationToken);
        var output = PredictionColumns.Append(table, predictions, manifest.Problem);
        var outputPath = Path.ChangeExtension(path, null) + ".predictions.csv";
        using (var buffer = new MemoryStream())
        {
            await CsvTableWriter.WriteAsync(output, buffer, cancellationToken);
            buffer.Position = 0;
            await blobs.GetBlobContainerClient(container).GetBlobClient(outputPath).UploadAsync(buffer, overwrite: true, cancellationToken);
        }
        return new ScoreBlobResult(input.Model, manifest.Version, input.Blob, $"{container}/{outputPath}", table.RowCount);
    }
}
