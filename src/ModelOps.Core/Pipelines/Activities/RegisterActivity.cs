using ModelOps.Core.Data;
using ModelOps.Core.Registry;
using ModelOps.Core.Storage;

namespace ModelOps.Core.Pipelines.Activities;

/// <summary>Step 6: registers the candidate as a new immutable version with its lineage. Idempotent per run.</summary>
public sealed class RegisterActivity(RunStore runs, ModelRegistry registry) : IActivity<RegisterRequest, int>
{
    public static string Name => "Register";

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
        return manifest.Version;
    }
}
