using ModelOps.Core.Serving;
using ModelOps.Core.Training;

namespace ModelOps.Core.Tests.Training;

public sealed class TrainedModelTests
{
    [Theory]
    [InlineData(LearningTask.Regression, "lightgbm")]
    [InlineData(LearningTask.Binary, "sdca")]
    [InlineData(LearningTask.Multiclass, "fasttree")]
    public void A_saved_and_loaded_model_predicts_the_same(LearningTask task, string trainer)
    {
        var table = task switch
        {
            LearningTask.Regression => SyntheticData.Regression(150),
            LearningTask.Binary => SyntheticData.Binary(150),
            _ => SyntheticData.Multiclass(150),
        };
        var problem = TrainingProblem.Infer(table, null, task, null, []);
        var model = ModelTrainer.Fit(table, problem, TrainerCatalogTests.Small(trainer));

        using var zip = new MemoryStream();
        model.Save(zip);
        var loaded = TrainedModel.Load(new MemoryStream(zip.ToArray()), problem, table.Schema);

        var features = table.SelectColumns(problem.Features);
        var before = new ModelScorer(model).Score(features);
        var after = new ModelScorer(loaded).Score(features);
        Assert.True(zip.Length > 0);
        Assert.Equal(before.Select(Text), after.Select(Text));
    }

    private static string Text(Prediction p) => System.Text.Json.JsonSerializer.Serialize(p, Storage.Json.Options);
}
