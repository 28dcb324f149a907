using ModelOps.Core.Training;

namespace ModelOps.Core.Tests.Training;

public sealed class TrialRunnerTests
{
    [Fact]
    public void A_cross_validated_trial_reports_the_mean_metric_as_its_score()
    {
        var table = SyntheticData.Binary(240);
        var problem = TrainingProblem.Infer(table, null, null, null, []);

        var result = new TrialRunner().Run(table, problem, 4, TrainerCatalogTests.Small("lightgbm"), folds: 3);

        Assert.Null(result.Error);
        Assert.Equal(4, result.Trial);
        Assert.True(result.Score > 0.85, $"auc {result.Score}");
        Assert.Equal(result.Score, result.Metrics["auc"]);
        Assert.Equal(["auc", "accuracy", "f1", "logLoss", "precision", "recall"], result.Metrics.Keys);
        Assert.True(result.Seconds > 0);
    }

    [Fact]
    public void The_same_trial_on_the_same_data_scores_the_same()
    {
        var table = SyntheticData.Regression(150);
        var problem = TrainingProblem.Infer(table, null, null, null, []);

        var first = new TrialRunner().Run(table, problem, 0, TrainerCatalogTests.Small("fasttree"));
        var second = new TrialRunner().Run(table, problem, 0, TrainerCatalogTests.Small("fasttree"));

        Assert.Equal(first.Score, second.Score);
    }

    [Theory]
    [InlineData("lightgbm", "numberOfLeaves", -5)]
    [InlineData("sdca", "momentum", 0.9)]
    [InlineData("xgboost", "depth", 3)]
    public void A_broken_trial_is_a_result_with_a_reason_not_an_exception(string trainer, string name, double value)
    {
        var table = SyntheticData.Binary(90);
        var problem = TrainingProblem.Infer(table, null, null, null, []);

        var result = new TrialRunner().Run(table, problem, 2, new TrialParameters(trainer, new Dictionary<string, double> { [name] = value }));

        Assert.Null(result.Score);
        Assert.False(result.Succeeded);
        Assert.False(string.IsNullOrWhiteSpace(result.Error));
        Assert.Empty(result.Metrics);
    }

    [Fact]
    public void Folds_are_stratified_and_cover_every_row_once()
    {
        var table = SyntheticData.Multiclass(100);
        var problem = TrainingProblem.Infer(table, null, null, null, []);

        var folds = CrossValidation.Folds(table, problem, 4, seed: 1);

        Assert.Equal(Enumerable.Range(0, 100), folds.SelectMany(f => f.Test).Order());
        var labels = table.Categorical("target");
        foreach (var (train, test) in folds)
        {
            Assert.Empty(train.Intersect(test));
            foreach (var cls in problem.Classes!)
            {
                var expected = labels.Count(l => l == cls) / 4.0;
                Assert.InRange(test.Count(r => labels[r] == cls), Math.Floor(expected) - 1, Math.Ceiling(expected) + 1);
            }
        }
    }

    [Fact]
    public void The_best_trial_follows_the_metric_direction_and_skips_failures()
    {
        var binary = new TrainingProblem("y", LearningTask.Binary, ["x"], "logLoss", "1", null);
        TrialResult Result(int trial, double? score) =>
            new(trial, new TrialParameters("sdca", new Dictionary<string, double>()), score, new Dictionary<string, double>(), score is null ? "boom" : null, 0);

        Assert.Equal(2, TrialSelection.Best([Result(0, 0.6), Result(1, null), Result(2, 0.3), Result(3, 0.4)], binary)!.Trial);
        Assert.Equal(0, TrialSelection.Best([Result(0, 0.6), Result(1, null), Result(2, 0.3)], binary with { Metric = "auc" })!.Trial);
        Assert.Null(TrialSelection.Best([Result(0, null)], binary));
    }
}
