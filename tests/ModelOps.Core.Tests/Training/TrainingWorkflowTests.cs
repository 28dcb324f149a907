using System.Text.Json;
using ModelOps.Core.Evaluation;
using ModelOps.Core.Serving;
using ModelOps.Core.Training;

namespace ModelOps.Core.Tests.Training;

/// <summary>The steps in the order a pipeline calls them, from a cleaned table to a served prediction.</summary>
public sealed class TrainingWorkflowTests
{
    [Fact]
    public void Infer_search_fit_evaluate_gate_save_load_and_score()
    {
        var (train, heldOut) = SyntheticData.Split(SyntheticData.Binary(300), 0.75);
        var problem = TrainingProblem.Infer(train, null, null, null, exclude: []);
        var space = TrainerCatalog.Space(["lightgbm", "sdca"]);
        var strategy = SearchStrategies.Create("random");
        var runner = new TrialRunner();

        var results = new List<TrialResult>();
        for (var round = 0; round < 2; round++)
        {
            var proposals = strategy.Propose(space, 2, seed: 11, results);
            // Trial numbers continue from the results so far; an orchestrator fans these out as parallel activities.
            var first = results.Count;
            results.AddRange(proposals.Select((p, i) => runner.Run(train, problem, first + i, p, folds: 3)).ToArray());
        }
        var best = TrialSelection.Best(results, problem)!;
        var model = ModelTrainer.Fit(train, problem, best.Parameters);
        var comparison = ChampionEvaluator.Compare(model, champion: null, championVersion: null, heldOut);
        var gate = Gate.Evaluate(GatePolicy.Default(problem), problem.Task, comparison);
        using var zip = new MemoryStream();
        model.Save(zip);
        var scorer = ModelScorer.Load(new MemoryStream(zip.ToArray()), problem, train.Schema);
        var prediction = scorer.Score([JsonSerializer.Deserialize<Dictionary<string, JsonElement>>("""{"x1": 1, "x2": -1, "color": "red", "flag": true}""")!]);

        Assert.Equal([0, 1, 2, 3], results.Select(r => r.Trial));
        Assert.All(results, r => Assert.True(r.Succeeded, r.Error));
        Assert.True(comparison.Candidate["auc"] > 0.85, $"auc {comparison.Candidate["auc"]}");
        Assert.True(gate.Passed, string.Join("; ", gate.Reasons));
        Assert.True(Assert.IsType<BinaryPrediction>(prediction[0]).Label);
    }
}
