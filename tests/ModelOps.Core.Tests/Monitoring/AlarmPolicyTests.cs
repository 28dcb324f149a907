using ModelOps.Core.Monitoring;
using ModelOps.Core.Pipelines;
using ModelOps.Core.Storage;

namespace ModelOps.Core.Tests.Monitoring;

public sealed class AlarmPolicyTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
    private static readonly MonitorConfig Config = new() { MinRows = 100, ConsecutiveWindows = 2, CooldownMinutes = 60, DailyRetrainBudget = 2 };
    private static readonly string[] Drifted = ["dataset drift: 3 of 4 features drifted"];

    [Fact]
    public void Too_few_rows_give_no_verdict()
    {
        var decision = AlarmPolicy.Decide(Config, [], rows: 99, Drifted, retrainRunning: false, Now);

        Assert.Equal(MonitorDecision.NotEnoughRows, decision.Action);
        Assert.Contains("99", decision.Reason);
    }

    [Fact]
    public void A_good_window_is_healthy_and_a_first_bad_one_waits_for_the_next()
    {
        Assert.Equal(MonitorDecision.Healthy, AlarmPolicy.Decide(Config, [], 500, [], false, Now).Action);
        var first = AlarmPolicy.Decide(Config, [Report(-10, MonitorDecision.Healthy, [])], 500, Drifted, false, Now);

        Assert.Equal(MonitorDecision.Waiting, first.Action);
        Assert.Contains("bad window 1 of 2", first.Reason);
    }

    [Fact]
    public void The_second_bad_window_in_a_row_retrains_and_a_window_without_verdict_does_not_break_the_run()
    {
        MonitoringReport[] previous = [Report(-20, MonitorDecision.Waiting, Drifted), Report(-10, MonitorDecision.NotEnoughRows, [])];

        var decision = AlarmPolicy.Decide(Config, previous, 500, Drifted, false, Now);

        Assert.Equal(MonitorDecision.Retrain, decision.Action);
    }

    [Fact]
    public void Cooldown_budget_and_a_running_retrain_suppress_the_alarm_with_their_reason()
    {
        var running = AlarmPolicy.Decide(Config, [Report(-10, MonitorDecision.Waiting, Drifted)], 500, Drifted, retrainRunning: true, Now);
        var cooldown = AlarmPolicy.Decide(Config, [Report(-30, MonitorDecision.Retrain, Drifted), Report(-10, MonitorDecision.Waiting, Drifted)], 500, Drifted, false, Now);
        var budget = AlarmPolicy.Decide(Config,
            [Report(-300, MonitorDecision.Retrain, Drifted), Report(-200, MonitorDecision.Retrain, Drifted), Report(-10, MonitorDecision.Waiting, Drifted)],
            500, Drifted, false, Now);

        Assert.Equal(MonitorDecision.AlreadyRunning, running.Action);
        Assert.Equal(MonitorDecision.Cooldown, cooldown.Action);
        Assert.Contains("30 minutes ago", cooldown.Reason);
        Assert.Equal(MonitorDecision.Budget, budget.Action);
        Assert.Contains("2 retrains already started today", budget.Reason);
    }

    private static MonitoringReport Report(int minutes, string action, IReadOnlyList<string> problems) => new(
        ModelName.Parse("churn"), 1, Now.AddMinutes(minutes), Now.AddMinutes(minutes - 60), Now.AddMinutes(minutes), 500,
        null, null, null, null, null, problems, new MonitorDecision(action, "test"));
}
