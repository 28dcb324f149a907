using ModelOps.Core.Serving;
using ModelOps.Core.Training;

namespace ModelOps.Core.Tests.Training;

/// <summary>Row weights (how retraining weighs traffic rows learned from feedback) reach every trainer.</summary>
public sealed class WeightedTrainingTests
{
    [Theory]
    [InlineData("lightgbm")]
    [InlineData("fasttree")]
    [InlineData("sdca")]
    public void Heavier_rows_win_where_the_two_sources_disagree(string trainer)
    {
        // The dataset says "x above 0.5 is positive"; the (drifted) traffic rows say the opposite for the same x.
        var x = Enumerable.Range(0, 400).Select(i => (i % 200 + 0.5) / 200).ToArray();
        var label = x.Select((v, i) => i < 200 ? (v > 0.5 ? 1.0 : 0.0) : (v > 0.5 ? 0.0 : 1.0)).ToArray();

        double PositiveAtLowX(double trafficWeight)
        {
            var weight = Enumerable.Range(0, 400).Select(i => i < 200 ? 1.0 : trafficWeight).ToArray();
            var table = SyntheticData.Numbers(("x", x), ("label", label), ("row_weight", weight));
            var problem = TrainingProblem.Infer(table, "label", LearningTask.Binary, null, [], weight: "row_weight");
            Assert.Equal(["x"], problem.Features);
            var model = ModelTrainer.Fit(table, problem, TrainerCatalogTests.Small(trainer));
            var low = SyntheticData.Numbers(("x", [0.1, 0.2, 0.3]));
            return new ModelScorer(model).Score(low).Cast<BinaryPrediction>().Average(p => p.Probability);
        }

        var trafficLight = PositiveAtLowX(0.05);
        var trafficHeavy = PositiveAtLowX(20);

        Assert.True(trafficLight < 0.5, $"with traffic weighted 0.05, P(positive | low x) = {trafficLight:F3}");
        Assert.True(trafficHeavy > 0.5, $"with traffic weighted 20, P(positive | low x) = {trafficHeavy:F3}");
    }

    [Fact]
    public void A_missing_weight_column_is_a_clear_error()
    {
        var table = SyntheticData.Numbers(("x", [1, 2, 3, 4]), ("label", [0, 1, 0, 1]));
        var problem = TrainingProblem.Infer(table, "label", LearningTask.Binary, null, [], weight: "row_weight");

        var error = Assert.Throws<TrainingProblemException>(() => ModelTrainer.Fit(table, problem, TrainerCatalogTests.Small("sdca")));

        Assert.Contains("row_weight", error.Message);
    }
}
