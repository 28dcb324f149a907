using ModelOps.Core.Data;
using ModelOps.Core.Evaluation;
using ModelOps.Core.Registry;
using ModelOps.Core.Serving;
using ModelOps.Core.Training;

namespace ModelOps.Core.Pipelines.Activities;

/// <summary>
/// Step 4: scores the candidate and the model in production on the same held-out rows, so the gate compares like
/// with like, and measures the candidate's single-row latency. A champion that cannot read this data (other label
/// or features) is skipped, with why.
/// </summary>
public sealed class EvaluateActivity(RunStore runs, ModelRegistry registry, TimeProvider time) : IActivity<EvaluateRequest, EvaluateResult>
{
    public static string Name => "Evaluate";

    public async Task<EvaluateResult> RunAsync(EvaluateRequest input, CancellationToken cancellationToken)
    {
        var data = input.Data;
        var schema = await runs.ReadJsonAsync<TableSchema>(data.SchemaPath, cancellationToken);
        var holdout = await runs.ReadRowsAsync(data.Rows, SplitSide.Holdout, schema, cancellationToken);
        var featureSchema = data.Problem.FeatureSchema(schema);
        using var candidateFile = await runs.ReadAsync(input.ModelPath, cancellationToken);
        var candidate = TrainedModel.Load(candidateFile, data.Problem, featureSchema);
        var latency = new LatencyProbe(time).Measure(new ModelScorer(candidate), holdout, cancellationToken: cancellationToken);

        var production = await registry.GetAliasAsync(input.Model, ModelRegistry.Production, cancellationToken);
        var champion = production is null ? null : await registry.GetManifestAsync(input.Model, production.Version, cancellationToken);
        ChampionComparison comparison;
        if (champion is not null && Incompatibility(champion, data.Problem, holdout.Schema) is { } reason)
        {
            comparison = ChampionEvaluator.Compare(candidate, null, champion.Version, holdout, cancellationToken) with { ChampionError = reason };
        }
        else if (champion?.Format == ModelFormat.Onnx)
        {
            // ML.NET's evaluators cannot run an ONNX graph: score it with its own scorer and measure the predictions.
            comparison = ChampionEvaluator.Compare(candidate, null, champion.Version, holdout, cancellationToken);
            try
            {
                using var file = await registry.DownloadModelAsync(champion, cancellationToken);
                using var scorer = ScorerLoader.Load(champion, file);
                comparison = comparison with { Champion = PredictionMetrics.Evaluate(champion.Problem, holdout, scorer.Score(holdout, cancellationToken)) };
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                comparison = comparison with { ChampionError = $"The champion could not be scored on the held-out rows: {e.Message}" };
            }
        }
        else
        {
            var championModel = champion is null ? null : await LoadAsync(champion, cancellationToken);
            comparison = ChampionEvaluator.Compare(candidate, championModel, champion?.Version, holdout, cancellationToken);
        }
        await runs.WriteJsonAsync(data.RunId, "evaluation.json", new { comparison, latency }, cancellationToken);
        return new EvaluateResult(comparison, production?.ETag, latency);
    }

    private async Task<TrainedModel> LoadAsync(ModelManifest manifest, CancellationToken cancellationToken)
    {
        using var buffer = await registry.DownloadModelAsync(manifest, cancellationToken);
        return TrainedModel.Load(buffer, manifest.Problem, manifest.Problem.FeatureSchema(manifest.Schema));
    }

    /// <summary>Why the champion cannot be scored on the candidate's held-out rows, or null when it can.</summary>
    private static string? Incompatibility(ModelManifest champion, TrainingProblem candidate, TableSchema schema)
    {
        if (!string.Equals(champion.Problem.Label, candidate.Label, StringComparison.OrdinalIgnoreCase) || champion.Problem.Task != candidate.Task)
        {
            return $"production v{champion.Version} predicts '{champion.Problem.Label}' ({champion.Problem.Task}); the candidate predicts '{candidate.Label}' ({candidate.Task})";
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
