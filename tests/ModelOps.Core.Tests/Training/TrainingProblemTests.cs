using System.Text.Json;
using ModelOps.Core.Data;
using ModelOps.Core.Storage;
using ModelOps.Core.Training;

namespace ModelOps.Core.Tests.Training;

public sealed class TrainingProblemTests
{
    [Fact]
    public void A_column_named_target_is_the_label_and_a_yes_no_label_is_binary_with_yes_positive()
    {
        var problem = TrainingProblem.Infer(SyntheticData.Binary(50), null, null, null, []);

        Assert.Equal("target", problem.Label);
        Assert.Equal(LearningTask.Binary, problem.Task);
        Assert.Equal("yes", problem.PositiveClass);
        Assert.Equal("auc", problem.Metric);
        Assert.Equal(["x1", "x2", "color", "flag"], problem.Features);
        Assert.Null(problem.Classes);
    }

    [Fact]
    public void Without_a_conventional_name_the_last_column_is_the_label()
    {
        var table = SyntheticData.Numbers(("a", [1.5, 2.5, 3.7, 4.1]), ("price", [10.5, 20.25, 30.1, 40.9]));

        var problem = TrainingProblem.Infer(table, null, null, null, []);

        Assert.Equal("price", problem.Label);
        Assert.Equal(LearningTask.Regression, problem.Task);
        Assert.Equal("r2", problem.Metric);
    }

    [Fact]
    public void The_label_name_is_matched_without_case_and_Y_wins_over_the_last_column()
    {
        var table = SyntheticData.Numbers(("Y", [0.5, 1.5, 2.25]), ("z", [1, 2, 3]));

        Assert.Equal("Y", TrainingProblem.Infer(table, null, null, null, []).Label);
        Assert.Equal("z", TrainingProblem.Infer(table, "Z", null, null, []).Label);
    }

    [Fact]
    public void A_numeric_label_with_two_values_is_binary_with_one_as_the_positive_class()
    {
        var table = SyntheticData.Numbers(("x", [1, 2, 3, 4]), ("label", [0, 1, 1, 0]));

        var problem = TrainingProblem.Infer(table, null, null, null, []);

        Assert.Equal(LearningTask.Binary, problem.Task);
        Assert.Equal("1", problem.PositiveClass);
    }

    [Fact]
    public void Without_a_positive_looking_level_the_second_sorted_level_is_positive()
    {
        var table = new Table(
            new TableSchema([new ColumnSchema("x", ColumnKind.Numeric), new ColumnSchema("fruit", ColumnKind.Categorical)]),
            [new double[] { 1, 2, 3 }, new string?[] { "pear", "apple", "pear" }]);

        Assert.Equal("pear", TrainingProblem.Infer(table, null, null, null, []).PositiveClass);
    }

    [Fact]
    public void A_boolean_label_is_binary_with_true_positive()
    {
        var table = new Table(
            new TableSchema([new ColumnSchema("x", ColumnKind.Numeric), new ColumnSchema("churned", ColumnKind.Boolean)]),
            [new double[] { 1, 2, 3 }, new double[] { 1, 0, 1 }]);

        var problem = TrainingProblem.Infer(table, "churned", null, null, []);

        Assert.Equal((LearningTask.Binary, "true"), (problem.Task, problem.PositiveClass));
    }

    [Fact]
    public void Few_whole_numbers_are_classes_sorted_numerically_and_many_are_regression()
    {
        var classes = SyntheticData.Numbers(("x", [1, 2, 3, 4, 5]), ("label", [10, 2, 3, 2, 10]));
        var many = SyntheticData.Numbers(("x", Enumerable.Range(0, 30).Select(i => (double)i).ToArray()), ("label", Enumerable.Range(0, 30).Select(i => (double)i).ToArray()));

        var multiclass = TrainingProblem.Infer(classes, null, null, null, []);

        Assert.Equal(LearningTask.Multiclass, multiclass.Task);
        Assert.Equal(["2", "3", "10"], multiclass.Classes);
        Assert.Equal("macroAccuracy", multiclass.Metric);
        Assert.Equal(LearningTask.Regression, TrainingProblem.Infer(many, null, null, null, []).Task);
    }

    [Fact]
    public void A_categorical_label_with_three_levels_is_multiclass_with_sorted_classes()
    {
        var problem = TrainingProblem.Infer(SyntheticData.Multiclass(100), null, null, null, []);

        Assert.Equal(LearningTask.Multiclass, problem.Task);
        Assert.Equal(["a", "b", "c"], problem.Classes);
    }

    [Fact]
    public void Configured_task_metric_and_exclusions_are_honoured()
    {
        var problem = TrainingProblem.Infer(SyntheticData.Binary(50), "TARGET", LearningTask.Binary, "F1", ["Color", "not-a-column"]);

        Assert.Equal("f1", problem.Metric);
        Assert.Equal(["x1", "x2", "flag"], problem.Features);
    }

    [Fact]
    public void A_missing_label_column_is_named_with_the_columns_there_are()
    {
        var error = Assert.Throws<TrainingProblemException>(() => TrainingProblem.Infer(SyntheticData.Binary(10), "churned", null, null, []));

        Assert.Contains("'churned' is not in the data", error.Message);
        Assert.Contains("'x1'", error.Message);
    }

    [Fact]
    public void A_label_with_one_value_is_refused()
    {
        var table = SyntheticData.Numbers(("x", [1, 2, 3]), ("label", [7, 7, 7]));

        var error = Assert.Throws<TrainingProblemException>(() => TrainingProblem.Infer(table, null, null, null, []));

        Assert.Contains("only one value ('7')", error.Message);
    }

    [Fact]
    public void An_unknown_metric_lists_the_metrics_of_the_task()
    {
        var error = Assert.Throws<TrainingProblemException>(() => TrainingProblem.Infer(SyntheticData.Binary(10), null, null, "r2", []));

        Assert.Contains("Unknown metric 'r2' for binary", error.Message);
        Assert.Contains("auc, accuracy, f1, logLoss, precision, recall", error.Message);
    }

    [Fact]
    public void Tasks_that_do_not_fit_the_label_are_refused()
    {
        Assert.Throws<TrainingProblemException>(() => TrainingProblem.Infer(SyntheticData.Multiclass(50), null, LearningTask.Regression, null, []));
        Assert.Throws<TrainingProblemException>(() => TrainingProblem.Infer(SyntheticData.Multiclass(50), null, LearningTask.Binary, null, []));
    }

    [Fact]
    public void Excluding_every_feature_is_refused()
    {
        var error = Assert.Throws<TrainingProblemException>(() =>
            TrainingProblem.Infer(SyntheticData.Binary(10), null, null, null, ["x1", "x2", "color", "flag"]));

        Assert.Contains("No feature columns", error.Message);
    }

    [Fact]
    public void The_problem_round_trips_through_the_shared_json_options()
    {
        var problem = TrainingProblem.Infer(SyntheticData.Multiclass(50), null, null, null, []);

        var json = JsonSerializer.Serialize(problem, Json.Options);
        var back = JsonSerializer.Deserialize<TrainingProblem>(json, Json.Options)!;

        Assert.Contains("\"task\":\"multiclass\"", json);
        Assert.Equal((problem.Label, problem.Task, problem.Metric), (back.Label, back.Task, back.Metric));
        Assert.Equal(problem.Features, back.Features);
        Assert.Equal(problem.Classes, back.Classes);
    }
}
