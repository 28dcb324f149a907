using System.Globalization;
using ModelOps.Core.Training;

namespace ModelOps.Core.Evaluation;

/// <summary>
/// What a candidate must meet to be deployed. <see cref="Min"/>: the worst acceptable value of a metric, in its own
/// direction (a floor for auc, a ceiling for rmse). <see cref="MaxRegression"/>: how far a metric may get worse than
/// the champion's, in absolute units. Metric names are those of <see cref="MetricCatalog"/> (any case).
/// </summary>
public sealed record GatePolicy(
    IReadOnlyDictionary<string, double> Min,
    IReadOnlyDictionary<string, double> MaxRegression,
    double? MaxP95LatencyMs = null)
{
    /// <summary>The policy used when the config sets none: a floor a model must clear to beat guessing, and at most 0.01 worse than the champion on the optimised metric.</summary>
    public static GatePolicy Default(TrainingProblem problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        var min = problem.Task switch
        {
            LearningTask.Regression => new Dictionary<string, double> { [MetricCatalog.R2] = 0.0 },
            LearningTask.Binary => new Dictionary<string, double> { [MetricCatalog.Auc] = 0.6 },
            _ => new Dictionary<string, double> { [MetricCatalog.MacroAccuracy] = 0.5 },
        };
        return new GatePolicy(min, new Dictionary<string, double> { [problem.Metric] = 0.01 });
    }
}

/// <summary>The verdict: on failure, every reason it failed; on success, every check it passed.</summary>
public sealed record GateResult(bool Passed, IReadOnlyList<string> Reasons);

/// <summary>Applies a <see cref="GatePolicy"/> to a champion comparison (and latency, when measured).</summary>
public static class Gate
{
    // Absorbs float noise so that a drop of exactly the allowance passes.
    private const double Tolerance = 1e-9;

    public static GateResult Evaluate(GatePolicy policy, LearningTask task, ChampionComparison comparison, LatencyReport? latency = null)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(comparison);
        var failures = new List<string>();
        var passes = new List<string>();

        foreach (var (name, threshold) in policy.Min)
        {
            if (Lookup(task, name, comparison.Candidate, failures) is not { } found)
            {
                continue;
            }
            var (metric, value) = found;
            var higher = metric.Direction == MetricDirection.HigherIsBetter;
            if (double.IsNaN(value))
            {
                failures.Add($"{metric.Name} could not be computed on the held-out rows");
            }
            else if (higher ? value < threshold - Tolerance : value > threshold + Tolerance)
            {
                failures.Add($"{metric.Name} {F(value)} is {(higher ? "below the minimum" : "above the maximum")} {F(threshold)}");
            }
            else
            {
                passes.Add($"{metric.Name} {F(value)} meets the {(higher ? "minimum" : "maximum")} {F(threshold)}");
            }
        }

        if (comparison.Champion is { } champion)
        {
            var against = comparison.ChampionVersion is { } v ? $"production v{v}" : "the production model";
            foreach (var (name, allowed) in policy.MaxRegression)
            {
                if (Lookup(task, name, comparison.Candidate, failures) is not { } found || !champion.TryGetValue(found.Metric.Name, out var old))
                {
                    continue;
                }
                var (metric, value) = found;
                var higher = metric.Direction == MetricDirection.HigherIsBetter;
                var worse = higher ? old - value : value - old;
                if (double.IsNaN(worse))
                {
                    failures.Add($"{metric.Name} could not be compared against {against}");
                }
                else if (worse > allowed + Tolerance)
                {
                    failures.Add($"{metric.Name} {(higher ? "fell" : "rose")} by {F(worse)} against {against} ({F(old)} → {F(value)}); at most {F(allowed)} allowed");
                }
                else
                {
                    passes.Add($"{metric.Name} {F(value)} against {against}'s {F(old)} is within the allowed regression of {F(allowed)}");
                }
            }
        }

        if (policy.MaxP95LatencyMs is { } budget)
        {
            if (latency is null)
            {
                failures.Add($"a p95 latency budget of {F(budget)} ms is set but latency was not measured");
            }
            else if (latency.P95Ms > budget)
            {
                failures.Add($"p95 latency {F(latency.P95Ms)} ms is above the budget {F(budget)} ms");
            }
            else
            {
                passes.Add($"p95 latency {F(latency.P95Ms)} ms is within the budget {F(budget)} ms");
            }
        }

        return failures.Count > 0 ? new GateResult(false, failures) : new GateResult(true, passes);
    }

    private static (MetricDefinition Metric, double Value)? Lookup(LearningTask task, string name, IReadOnlyDictionary<string, double> metrics, List<string> failures)
    {
        var metric = MetricCatalog.Find(task, name);
        if (metric is null || !metrics.TryGetValue(metric.Name, out var value))
        {
            failures.Add($"the gate names '{name}', which {task.ToString().ToLowerInvariant()} models do not report; use one of {string.Join(", ", MetricCatalog.For(task).Select(m => m.Name))}");
            return null;
        }
        return (metric, value);
    }

    private static string F(double value) => value.ToString("0.00##", CultureInfo.InvariantCulture);
}
