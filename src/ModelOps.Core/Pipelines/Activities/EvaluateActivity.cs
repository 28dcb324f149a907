using ModelOps.Core.Data;
using ModelOps.Core.Evaluation;
using ModelOps.Core.Registry;
using ModelOps.Core.Training;

namespace ModelOps.Core.Pipelines.Activities;

/// <summary>
/// Step 4: scores the candidate and the model in production on the same held-out rows, so the gate compares like
/// with like. A champion that cannot read this data (other label, task or features) is skipped, with why.
/// </summary>
public sealed class EvaluateActivity(RunStore runs, ModelRegistry registry) : IActivity<EvaluateRequest, EvaluateResult>
{
    public static string Name => "Evaluate";

    public async Task<EvaluateResult> RunAsync(EvaluateRequest input, CancellationToken cancellationToken)
    {
        var data = input.Data;
        var schema = await runs.ReadJsonAsync<TableSchema>(data.SchemaPath, cancellationToken);
        var holdout = await runs.ReadTableAsync(data.HoldoutPath, schema, cancellationToken);
        using var candidateFile = await runs.ReadAsync(input.ModelPath, cancellationToken);
        var candidate = TrainedModel.Load(candidateFile, data.Problem, data.Problem.FeatureSchema(schema));
        var candidateMetrics = ModelEvaluator.Evaluate(candidate, holdout);
        await runs.WriteJsonAsync(data.RunId, "evaluation/candidate.json", candidateMetrics, cancellationToken);

        var production = await registry.GetAliasAsync(input.Model, ModelRegistry.Production, cancellationToken);
        if (production is null)
        {
            return new EvaluateResult(candidateMetrics, null, null, null, "no model is in production yet");
        }
        var manifest = await registry.GetManifestAsync(input.Model, production.Version, cancellationToken);
        var incompatibility = manifest is null ? $"production points at version {production.Version}, which has no manifest" : Incompatibility(manifest, data.Problem, schema);
        if (incompatibility is not null)
        {
            return new EvaluateResult(candidateMetrics, null, production.Version, production.ETag, incompatibility);
        }
        await using var championFile = await registry.OpenModelAsync(manifest!, cancellationToken);
        using var championBuffer = new MemoryStream();
        await championFile.CopyToAsync(championBuffer, cancellationToken);
        championBuffer.Position = 0;
        var champion = TrainedModel.Load(championBuffer, manifest!.Problem, manifest.Problem.FeatureSchema(manifest.Schema));
        var championMetrics = ModelEvaluator.Evaluate(champion, holdout);
        await runs.WriteJsonAsync(data.RunId, "evaluation/champion.json", championMetrics, cancellationToken);
        return new EvaluateResult(candidateMetrics, championMetrics, production.Version, production.ETag, null);
    }

    /// <summary>Why the champion cannot be scored on the candidate's held-out rows, or null when it can.</summary>
    private static string? Incompatibility(ModelManifest champion, TrainingProblem candidate, TableSchema schema)
    {
        if (!string.Equals(champion.Problem.Label, candidate.Label, StringComparison.OrdinalIgnoreCase) || champion.Problem.Task != candidate.Task)
        {
            return $"production v{champion.Version} predicts {champion.Problem.Label} ({champion.Problem.Task}), the candidate {candidate.Label} ({candidate.Task})";
        }
        foreach (var feature in champion.Problem.Features)
        {
            var column = schema.Find(feature);
            var expected = champion.Schema.Find(feature);
            if (column is null || expected is null || column.Kind != expected.Kind)
            {
                return $"production v{champion.Version} needs feature '{feature}' as {expected?.Kind}, which the new data does not have in that form";
            }
        }
        return null;
    }
}
