using ModelOps.Core.Data;
using ModelOps.Core.Evaluation;

namespace ModelOps.Core.Training;

/// <summary>Scores one configuration by k-fold cross-validation; any failure becomes a result with a reason.</summary>
internal sealed class TrialRunner(TimeProvider? timeProvider = null)
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    /// <param name="folds">At least 2; see <see cref="CrossValidation.DefaultFolds"/>.</param>
    /// <param name="seed">Decides the fold split; the same seed gives the same folds for every trial, so scores compare.</param>
    public TrialResult Run(Table table, TrainingProblem problem, int trial, TrialParameters parameters,
        int folds = CrossValidation.DefaultFolds, int seed = ModelContext.Seed, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(parameters);
        var started = _time.GetTimestamp();
        try
        {
            var perFold = new List<IReadOnlyDictionary<string, double>>();
            foreach (var (train, test) in CrossValidation.Folds(table, problem, folds, seed))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var model = ModelTrainer.Fit(table.SelectRows(train), problem, parameters, cancellationToken);
                perFold.Add(ModelEvaluator.Evaluate(model, table.SelectRows(test)));
            }
            var metrics = perFold[0].Keys.ToDictionary(k => k, k => perFold.Average(m => m[k]));
            var score = metrics[problem.Metric];
            return new TrialResult(trial, parameters, score, metrics,
                double.IsNaN(score) ? $"{problem.Metric} could not be computed on every fold." : null, Elapsed(started));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return new TrialResult(trial, parameters, null, new Dictionary<string, double>(), Describe(e), Elapsed(started));
        }
    }

    private double Elapsed(long started) => _time.GetElapsedTime(started).TotalSeconds;

    // ML.NET wraps the real cause; the innermost message is the one a user can act on.
    private static string Describe(Exception e)
    {
        var inner = e;
        while (inner.InnerException is not null && inner is System.Reflection.TargetInvocationException or AggregateException)
        {
            inner = inner.InnerException;
        }
        return $"{inner.GetType().Name}: {inner.Message}";
    }
}

/// <summary>Picks among trial results by the problem's metric and its direction.</summary>
public static class TrialSelection
{
    /// <summary>The best successful trial, or null when every trial failed; ties go to the earlier trial.</summary>
    public static TrialResult? Best(IEnumerable<TrialResult> results, TrainingProblem problem)
    {
        ArgumentNullException.ThrowIfNull(results);
        ArgumentNullException.ThrowIfNull(problem);
        var metric = MetricCatalog.Resolve(problem.Task, problem.Metric);
        TrialResult? best = null;
        foreach (var result in results.Where(r => r.Succeeded).OrderBy(r => r.Trial))
        {
            if (best is null || metric.IsBetter(result.Score!.Value, best.Score!.Value))
            {
                best = result;
            }
        }
        return best;
    }
}
