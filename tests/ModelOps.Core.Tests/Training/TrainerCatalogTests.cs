using ModelOps.Core.Data;
using ModelOps.Core.Evaluation;
using ModelOps.Core.Training;

namespace ModelOps.Core.Tests.Training;

public sealed class TrainerCatalogTests
{
    public static TheoryData<string, LearningTask> EveryTrainerAndTask()
    {
        var data = new TheoryData<string, LearningTask>();
        foreach (var trainer in TrainerCatalog.Names)
        {
            foreach (var task in Enum.GetValues<LearningTask>())
            {
                data.Add(trainer, task);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(EveryTrainerAndTask))]
    public void Each_trainer_learns_each_task_better_than_a_trivial_baseline(string trainer, LearningTask task)
    {
        var table = task switch
        {
            LearningTask.Regression => SyntheticData.Regression(300),
            LearningTask.Binary => SyntheticData.Binary(300),
            _ => SyntheticData.Multiclass(300),
        };
        var problem = TrainingProblem.Infer(table, null, task, null, []);
        var (train, test) = SyntheticData.Split(table);
        var parameters = Small(trainer);

        var model = ModelTrainer.Fit(train, problem, parameters);
        var metrics = ModelEvaluator.Evaluate(model, test);

        switch (task)
        {
            case LearningTask.Regression:
                Assert.True(metrics[MetricCatalog.R2] > 0.8, $"r2 {metrics[MetricCatalog.R2]}"); // predicting the mean scores 0
                break;
            case LearningTask.Binary:
                Assert.True(metrics[MetricCatalog.Auc] > 0.85, $"auc {metrics[MetricCatalog.Auc]}"); // a coin scores 0.5
                break;
            default:
                var majority = MajorityShare(test);
                Assert.True(metrics[MetricCatalog.MicroAccuracy] > majority + 0.15, $"accuracy {metrics[MetricCatalog.MicroAccuracy]} vs majority {majority}");
                Assert.True(metrics[MetricCatalog.MacroAccuracy] > 0.6, $"macro accuracy {metrics[MetricCatalog.MacroAccuracy]}");
                break;
        }
    }

    [Fact]
    public void Every_trainer_declares_a_search_space_with_sane_ranges()
    {
        var space = TrainerCatalog.Space();
        Assert.Equal(["lightgbm", "fasttree", "sdca"], space.Trainers.Select(t => t.Trainer));
        foreach (var range in space.Trainers.SelectMany(t => t.Parameters))
        {
            Assert.True(range.Min < range.Max, range.Name);
            Assert.True(!range.LogScale || range.Min > 0, range.Name);
            Assert.True(range.Default is null || range.Contains(range.Default.Value), range.Name);
        }
        var lightGbm = space.Trainers[0].Parameters.ToDictionary(p => p.Name);
        Assert.Equal((4, 64, true), (lightGbm["numberOfLeaves"].Min, lightGbm["numberOfLeaves"].Max, lightGbm["numberOfLeaves"].Integer));
        Assert.True(lightGbm["learningRate"].LogScale);
    }

    [Fact]
    public void An_unknown_trainer_is_refused_with_the_known_names()
    {
        var error = Assert.Throws<TrainingProblemException>(() => TrainerCatalog.Space(["xgboost"]));
        Assert.Contains("lightgbm, fasttree, sdca", error.Message);
    }

    internal static TrialParameters Small(string trainer) => trainer switch
    {
        TrainerCatalog.LightGbm => new(trainer, new Dictionary<string, double>
        {
            ["numberOfLeaves"] = 8, ["learningRate"] = 0.2, ["numberOfIterations"] = 40, ["minimumExampleCountPerLeaf"] = 5,
        }),
        TrainerCatalog.FastTree => new(trainer, new Dictionary<string, double>
        {
            ["numberOfLeaves"] = 8, ["learningRate"] = 0.2, ["numberOfTrees"] = 40, ["minimumExampleCountPerLeaf"] = 5,
        }),
        _ => new(trainer, new Dictionary<string, double> { ["l2Regularization"] = 0.001, ["maximumNumberOfIterations"] = 50 }),
    };

    private static double MajorityShare(Table table) =>
        table.Categorical("target").GroupBy(v => v).Max(g => g.Count()) / (double)table.RowCount;
}
