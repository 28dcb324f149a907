using ModelOps.Core.Data;
using ModelOps.Core.Evaluation;
using ModelOps.Core.Serving;
using ModelOps.Core.Tests.Training;
using ModelOps.Core.Training;

namespace ModelOps.Core.Tests.Evaluation;

public sealed class ChampionComparisonTests
{
    [Fact]
    public void A_weak_candidate_against_a_strong_champion_on_the_same_rows_fails_the_default_gate()
    {
        var (train, test) = SyntheticData.Split(SyntheticData.Binary(300));
        var problem = TrainingProblem.Infer(train, null, null, null, []);
        var champion = ModelTrainer.Fit(train, problem, TrainerCatalogTests.Small("lightgbm"));
        // The candidate sees only a feature that carries little signal.
        var weakProblem = problem with { Features = ["flag"] };
        var candidate = ModelTrainer.Fit(train, weakProblem, TrainerCatalogTests.Small("sdca"));

        var comparison = ChampionEvaluator.Compare(candidate, champion, championVersion: 2, test);
        var gate = Gate.Evaluate(GatePolicy.Default(problem), problem.Task, comparison);

        Assert.Equal(test.RowCount, comparison.Rows);
        Assert.True(comparison.Champion!["auc"] > 0.85);
        Assert.True(comparison.Deltas["auc"] < -0.2);
        Assert.False(gate.Passed);
        Assert.Contains(gate.Reasons, r => r.StartsWith("auc fell by", StringComparison.Ordinal) && r.Contains("production v2"));
    }

    [Fact]
    public void A_champion_that_cannot_read_the_new_rows_is_reported_not_thrown()
    {
        var (train, test) = SyntheticData.Split(SyntheticData.Regression(120));
        var problem = TrainingProblem.Infer(train, null, null, null, []);
        var champion = ModelTrainer.Fit(train, problem, TrainerCatalogTests.Small("sdca"));
        // The new data dropped x2; the candidate was trained without it, the champion needs it.
        var candidate = ModelTrainer.Fit(train, problem with { Features = ["x1", "color"] }, TrainerCatalogTests.Small("sdca"));
        var withoutX2 = test.SelectColumns(["x1", "color", "flag", "target"]);

        var comparison = ChampionEvaluator.Compare(candidate, champion, 1, withoutX2);

        Assert.Null(comparison.Champion);
        Assert.Contains("x2", comparison.ChampionError);
        Assert.True(comparison.Candidate["r2"] > 0.3);
    }

    [Fact]
    public void Single_row_latency_is_measured_through_the_scorer()
    {
        var table = SyntheticData.Binary(100);
        var problem = TrainingProblem.Infer(table, null, null, null, []);
        var scorer = new ModelScorer(ModelTrainer.Fit(table, problem, TrainerCatalogTests.Small("fasttree")));

        var latency = new LatencyProbe().Measure(scorer, table.SelectColumns(problem.Features), samples: 30);

        Assert.Equal(30, latency.Samples);
        Assert.InRange(latency.P50Ms, 0.000001, 1000);
        Assert.True(latency.P95Ms >= latency.P50Ms);
    }
}
