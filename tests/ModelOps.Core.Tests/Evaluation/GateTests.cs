using ModelOps.Core.Evaluation;
using ModelOps.Core.Training;

namespace ModelOps.Core.Tests.Evaluation;

public sealed class GateTests
{
    private static readonly TrainingProblem Binary = new("y", LearningTask.Binary, ["x"], "auc", "1", null);

    private static ChampionComparison Comparison(double auc, double? championAuc = null, int? version = 2, double logLoss = 0.3) =>
        new("auc", 100, new Dictionary<string, double> { ["auc"] = auc, ["logLoss"] = logLoss },
            championAuc is { } c ? new Dictionary<string, double> { ["auc"] = c, ["logLoss"] = 0.3 } : null, version, null);

    [Fact]
    public void A_candidate_below_the_minimum_fails_with_the_value_and_the_minimum()
    {
        var policy = new GatePolicy(new Dictionary<string, double> { ["auc"] = 0.70 }, new Dictionary<string, double>());

        var result = Gate.Evaluate(policy, LearningTask.Binary, Comparison(0.61));

        Assert.False(result.Passed);
        Assert.Equal(["auc 0.61 is below the minimum 0.70"], result.Reasons);
    }

    [Fact]
    public void A_candidate_worse_than_production_by_more_than_allowed_fails_with_both_values()
    {
        var policy = new GatePolicy(new Dictionary<string, double>(), new Dictionary<string, double> { ["AUC"] = 0.01 });

        var result = Gate.Evaluate(policy, LearningTask.Binary, Comparison(0.88, championAuc: 0.91));

        Assert.False(result.Passed);
        Assert.Equal(["auc fell by 0.03 against production v2 (0.91 → 0.88); at most 0.01 allowed"], result.Reasons);
    }

    [Fact]
    public void Every_failure_is_listed_and_lower_is_better_metrics_are_judged_the_other_way()
    {
        var policy = new GatePolicy(
            new Dictionary<string, double> { ["auc"] = 0.9, ["logLoss"] = 0.2 },
            new Dictionary<string, double> { ["logLoss"] = 0.05 });

        var result = Gate.Evaluate(policy, LearningTask.Binary, Comparison(0.8, championAuc: 0.8, logLoss: 0.4));

        Assert.False(result.Passed);
        Assert.Equal(
        [
            "auc 0.80 is below the minimum 0.90",
            "logLoss 0.40 is above the maximum 0.20",
            "logLoss rose by 0.10 against production v2 (0.30 → 0.40); at most 0.05 allowed",
        ], result.Reasons);
    }

    [Fact]
    public void A_passing_candidate_records_the_checks_it_passed()
    {
        var result = Gate.Evaluate(GatePolicy.Default(Binary), LearningTask.Binary, Comparison(0.905, championAuc: 0.91));

        Assert.True(result.Passed);
        Assert.Equal(2, result.Reasons.Count);
        Assert.Contains("auc 0.905 meets the minimum 0.60", result.Reasons);
    }

    [Fact]
    public void Without_a_champion_only_the_minimums_apply()
    {
        var result = Gate.Evaluate(GatePolicy.Default(Binary), LearningTask.Binary, Comparison(0.65));

        Assert.True(result.Passed);
        Assert.Equal(["auc 0.65 meets the minimum 0.60"], result.Reasons);
    }

    [Fact]
    public void Defaults_differ_by_task()
    {
        Assert.Equal(0.6, GatePolicy.Default(Binary).Min["auc"]);
        Assert.Equal(0.5, GatePolicy.Default(Binary with { Task = LearningTask.Multiclass, Metric = "macroAccuracy" }).Min["macroAccuracy"]);
        var regression = GatePolicy.Default(Binary with { Task = LearningTask.Regression, Metric = "rmse" });
        Assert.Equal(0.0, regression.Min["r2"]);
        Assert.Equal(0.01, regression.MaxRegression["rmse"]);
    }

    [Fact]
    public void A_metric_the_task_does_not_report_fails_the_gate_with_the_choices()
    {
        var policy = new GatePolicy(new Dictionary<string, double> { ["r2"] = 0.5 }, new Dictionary<string, double>());

        var result = Gate.Evaluate(policy, LearningTask.Binary, Comparison(0.9));

        Assert.False(result.Passed);
        Assert.StartsWith("the gate names 'r2', which binary models do not report", result.Reasons[0]);
    }

    [Fact]
    public void The_latency_budget_fails_a_slow_candidate_and_an_unmeasured_one()
    {
        var policy = new GatePolicy(new Dictionary<string, double>(), new Dictionary<string, double>(), MaxP95LatencyMs: 5);

        Assert.Equal(["p95 latency 7.20 ms is above the budget 5.00 ms"],
            Gate.Evaluate(policy, LearningTask.Binary, Comparison(0.9), new LatencyReport(2, 7.2, 100)).Reasons);
        Assert.False(Gate.Evaluate(policy, LearningTask.Binary, Comparison(0.9)).Passed);
        Assert.True(Gate.Evaluate(policy, LearningTask.Binary, Comparison(0.9), new LatencyReport(1, 3, 100)).Passed);
    }
}
