using ModelOps.Core.Training;

namespace ModelOps.Core.Evaluation;

/// <summary>Whether a bigger value of a metric means a better model.</summary>
public enum MetricDirection
{
    HigherIsBetter,
    LowerIsBetter,
}

/// <summary>A metric a task reports, and which way is better.</summary>
public sealed record MetricDefinition(string Name, LearningTask Task, MetricDirection Direction)
{
    /// <summary>True when <paramref name="candidate"/> is strictly better than <paramref name="reference"/>; NaN is never better.</summary>
    public bool IsBetter(double candidate, double reference) =>
        !double.IsNaN(candidate) && (double.IsNaN(reference) || (Direction == MetricDirection.HigherIsBetter ? candidate > reference : candidate < reference));
}

/// <summary>The metrics each task reports, their default, and their direction.</summary>
public static class MetricCatalog
{
    public const string R2 = "r2";
    public const string Rmse = "rmse";
    public const string Mae = "mae";
    public const string Auc = "auc";
    public const string Accuracy = "accuracy";
    public const string F1 = "f1";
    public const string LogLoss = "logLoss";
    public const string Precision = "precision";
    public const string Recall = "recall";
    public const string MacroAccuracy = "macroAccuracy";
    public const string MicroAccuracy = "microAccuracy";

    private static readonly MetricDefinition[] All =
    [
        new(R2, LearningTask.Regression, MetricDirection.HigherIsBetter),
        new(Rmse, LearningTask.Regression, MetricDirection.LowerIsBetter),
        new(Mae, LearningTask.Regression, MetricDirection.LowerIsBetter),
        new(Auc, LearningTask.Binary, MetricDirection.HigherIsBetter),
        new(Accuracy, LearningTask.Binary, MetricDirection.HigherIsBetter),
        new(F1, LearningTask.Binary, MetricDirection.HigherIsBetter),
        new(LogLoss, LearningTask.Binary, MetricDirection.LowerIsBetter),
        new(Precision, LearningTask.Binary, MetricDirection.HigherIsBetter),
        new(Recall, LearningTask.Binary, MetricDirection.HigherIsBetter),
        new(MacroAccuracy, LearningTask.Multiclass, MetricDirection.HigherIsBetter),
        new(MicroAccuracy, LearningTask.Multiclass, MetricDirection.HigherIsBetter),
        new(LogLoss, LearningTask.Multiclass, MetricDirection.LowerIsBetter),
    ];

    /// <summary>The metric optimised when the config names none.</summary>
    public static string DefaultFor(LearningTask task) => task switch
    {
        LearningTask.Regression => R2,
        LearningTask.Binary => Auc,
        _ => MacroAccuracy,
    };

    /// <summary>The metrics reported for a task, in report order.</summary>
    public static IReadOnlyList<MetricDefinition> For(LearningTask task) => All.Where(m => m.Task == task).ToArray();

    /// <summary>The named metric for the task (case-insensitive), or the task's default when <paramref name="name"/> is null.</summary>
    /// <exception cref="TrainingProblemException">The task does not report a metric of that name.</exception>
    public static MetricDefinition Resolve(LearningTask task, string? name)
    {
        name = string.IsNullOrWhiteSpace(name) ? DefaultFor(task) : name.Trim();
        return All.FirstOrDefault(m => m.Task == task && string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase))
            ?? throw new TrainingProblemException(
                $"Unknown metric '{name}' for {task.ToString().ToLowerInvariant()}; choose one of {string.Join(", ", For(task).Select(m => m.Name))}.");
    }

    /// <summary>Like <see cref="Resolve"/>, but null for an unknown name.</summary>
    public static MetricDefinition? Find(LearningTask task, string name) =>
        All.FirstOrDefault(m => m.Task == task && string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase));
}
