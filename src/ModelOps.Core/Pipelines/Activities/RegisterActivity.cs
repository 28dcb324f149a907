using ModelOps.Core.Data;
using ModelOps.Core.Monitoring;
using ModelOps.Core.Registry;
using ModelOps.Core.Serving;
using ModelOps.Core.Storage;

namespace ModelOps.Core.Pipelines.Activities;

/// <summary>Step 6: registers the candidate as a new immutable version with its lineage. Idempotent per run.</summary>
public sealed class RegisterActivity(RunStore runs, ModelRegistry registry) : IActivity<RegisterRequest, int>
{
    public static string Name => "Register";

    /// <summary>The monitor's baseline for the version: the training rows, and the model's predictions on the held-out rows.</summary>
    private async Task<BaselineSample> BaselineAsync(
        TrainingData data, ModelManifest manifest, TableSchema schema, MemoryStream model, CancellationToken cancellationToken)
    {
        var training = await runs.ReadRowsAsync(data.Rows, SplitSide.Train, schema, cancellationToken);
        var holdout = await runs.ReadRowsAsync(data.Rows, SplitSide.Holdout, schema, cancellationToken);
        model.Position = 0;
        var scorer = ModelScorer.Load(model, data.Problem, data.Problem.FeatureSchema(schema), manifest.Cleaning);
        return BaselineSample.From(manifest.Version, training, data.Problem, scorer.Score(holdout), seed: manifest.Version);
    }

    public async Task<int> RunAsync(RegisterRequest input, CancellationToken cancellationToken)
    {
        var data = input.Data;
        var schema = await runs.ReadJsonAsync<TableSchema>(data.SchemaPath, cancellationToken);
        var cleaning = await runs.ReadJsonAsync<CleaningReport>(StorageLayout.RunFile(data.RunId, CleanActivity.CleaningFile), cancellationToken);
        using var model = await runs.ReadAsync(input.ModelPath, cancellationToken);
        var manifest = await registry.RegisterAsync(new ModelManifest
        {
            Model = input.Model,
            RunId = data.RunId,
            Problem = data.Problem,
            Schema = schema,
            Trainer = input.Parameters.Trainer,
            Parameters = input.Parameters.Values,
            Metrics = input.Metrics,
            Datasets = input.Datasets,
            Config = input.Config,
            Cleaning = cleaning,
        }, model, cancellationToken);
        await registry.WriteVersionFileAsync(input.Model, manifest.Version, CleanActivity.ProfileFile,
            await runs.ReadJsonAsync<DataProfile>(StorageLayout.RunFile(data.RunId, CleanActivity.ProfileFile), cancellationToken), cancellationToken);
        await registry.WriteVersionFileAsync(input.Model, manifest.Version, BaselineSample.File,
            await BaselineAsync(data, manifest, schema, model, cancellationToken), cancellationToken);
        return manifest.Version;
    }
}
