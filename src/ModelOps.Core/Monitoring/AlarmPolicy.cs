using ModelOps.Core.Pipelines;

namespace ModelOps.Core.Monitoring;

/// <summary>
/// Decides whether a bad window retrains the model: it takes enough rows, the configured number of bad windows in a row,
/// no retrain within the cooldown, room in the daily budget and no retrain already running. Pure: every input is given.
/// </summary>
public static class AlarmPolicy
{
    /// <param name="previous">Earlier reports of this model, oldest first (the last day or cooldown, whichever is longer).</param>
    /// <param name="rows">Scored rows in this window.</param>
    /// <param name="problems">This window's bad signals.</param>
    /// <param name="retrainRunning">A retrain of the model is under way.</param>
    public static MonitorDecision Decide(
        MonitorConfig config, IReadOnlyList<MonitoringReport> previous, int rows, IReadOnlyList<string> problems,
        bool retrainRunning, DateTimeOffset now)
    {
        if (rows < config.MinRows)
        {
            return new(MonitorDecision.NotEnoughRows, $"{rows} scored rows in the window; at least {config.MinRows} are needed for a verdict");
        }
        if (problems.Count == 0)
        {
            return new(MonitorDecision.Healthy, "every signal is within its threshold");
        }
        // Bad windows in a row, this one included; a window without a verdict neither breaks nor extends the run.
        var streak = 1 + previous.Where(r => r.Decision.Action != MonitorDecision.NotEnoughRows).Reverse().TakeWhile(r => r.Bad).Count();
        if (streak < config.ConsecutiveWindows)
        {
            return new(MonitorDecision.Waiting, $"bad window {streak} of {config.ConsecutiveWindows} needed before retraining: {string.Join("; ", problems)}");
        }
        if (retrainRunning)
        {
            return new(MonitorDecision.AlreadyRunning, "a retrain of this model is already running");
        }
        var retrains = previous.Where(r => r.Decision.Action == MonitorDecision.Retrain).Select(r => r.Time).ToList();
        if (retrains.Count > 0 && now - retrains.Max() < TimeSpan.FromMinutes(config.CooldownMinutes))
        {
            return new(MonitorDecision.Cooldown,
                $"the last retrain started {(now - retrains.Max()).TotalMinutes:0} minutes ago; the cooldown is {config.CooldownMinutes} minutes");
        }
        var today = retrains.Count(t => t.UtcDateTime.Date == now.UtcDateTime.Date);
        if (today >= config.DailyRetrainBudget)
        {
            return new(MonitorDecision.Budget, $"{today} retrains already started today; the daily budget is {config.DailyRetrainBudget}");
        }
        return new(MonitorDecision.Retrain, $"{streak} bad windows in a row: {string.Join("; ", problems)}");
    }
}
