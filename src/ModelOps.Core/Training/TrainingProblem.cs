using ModelOps.Core.Data;
using ModelOps.Core.Evaluation;

namespace ModelOps.Core.Training;

/// <summary>What to learn: the label, the task, the features and the metric to optimise and gate on.</summary>
/// <param name="Metric">A name from <see cref="MetricCatalog"/> for the task, e.g. <c>auc</c>.</param>
/// <param name="PositiveClass">Binary only: the label value (as text) that the model predicts as <c>true</c>.</param>
/// <param name="Classes">Multiclass only: the label values (as text), sorted; predictions name one of these.</param>
/// <param name="Weight">A numeric column giving each training row's weight (e.g. traffic rows learned from feedback);
/// null when every row counts alike. Never a feature.</param>
public sealed record TrainingProblem(
    string Label,
    LearningTask Task,
    IReadOnlyList<string> Features,
    string Metric,
    string? PositiveClass,
    IReadOnlyList<string>? Classes,
    string? Weight = null)
{
    /// <summary>Numeric labels with at most this many distinct whole values are read as classes.</summary>
    internal const int MaxInferredClasses = 20;

    private static readonly string[] LabelNames = ["label", "target", "y"];

    /// <summary>Fills what the model config leaves out from the (cleaned) table, and checks what it gives.</summary>
    /// <exception cref="TrainingProblemException">The label is missing or unusable, the task does not fit it, or the metric is unknown.</exception>
    /// <param name="weight">A numeric column of row weights, set aside from the features; null for none.</param>
    public static TrainingProblem Infer(Table table, string? label, LearningTask? task, string? metric, IReadOnlyList<string> exclude, string? weight = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(exclude);
        if (table.ColumnCount == 0)
        {
            throw new TrainingProblemException("The data has no columns.");
        }

        var labelIndex = FindLabel(table.Schema, label);
        var labelColumn = table.Schema.Columns[labelIndex];
        var levels = LabelValues.Distinct(table, labelIndex);
        if (levels.Count < 2)
        {
            throw new TrainingProblemException(levels.Count == 0
                ? $"The label column '{labelColumn.Name}' has no values."
                : $"The label column '{labelColumn.Name}' has only one value ('{levels[0]}'); there is nothing to learn.");
        }

        var resolvedTask = task ?? InferTask(table, labelIndex, levels);
        CheckTaskFits(labelColumn, resolvedTask, levels);

        var features = table.Schema.Columns
            .Where(c => !string.Equals(c.Name, labelColumn.Name, StringComparison.OrdinalIgnoreCase))
            .Where(c => !exclude.Contains(c.Name, StringComparer.OrdinalIgnoreCase))
            .Where(c => !string.Equals(c.Name, weight, StringComparison.OrdinalIgnoreCase))
            .Select(c => c.Name)
            .ToArray();
        if (features.Length == 0)
        {
            throw new TrainingProblemException($"No feature columns are left once the label '{labelColumn.Name}' and the excluded columns are set aside.");
        }

        var resolvedMetric = MetricCatalog.Resolve(resolvedTask, metric);
        return new TrainingProblem(
            labelColumn.Name,
            resolvedTask,
            features,
            resolvedMetric.Name,
            resolvedTask == LearningTask.Binary ? LabelValues.PositiveOf(levels) : null,
            resolvedTask == LearningTask.Multiclass ? levels : null,
            weight);
    }

    /// <summary>The schema of the feature columns, in <see cref="Features"/> order, taken from a table's schema.</summary>
    public TableSchema FeatureSchema(TableSchema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        var missing = Features.Where(f => schema.Find(f) is null).ToArray();
        if (missing.Length > 0)
        {
            throw new TrainingProblemException($"The data lacks the feature column(s) {string.Join(", ", missing.Select(m => $"'{m}'"))}.");
        }
        return new TableSchema(Features.Select(f => schema.Find(f)!).ToArray());
    }

    /// <summary>The label column's name: the configured one (checked to exist), else label/target/y, else the last column.</summary>
    /// <exception cref="TrainingProblemException">The configured label is not in the data.</exception>
    public static string ResolveLabel(TableSchema schema, string? label)
    {
        ArgumentNullException.ThrowIfNull(schema);
        return schema.Columns.Count == 0
            ? throw new TrainingProblemException("The data has no columns.")
            : schema.Columns[FindLabel(schema, label)].Name;
    }

    private static int FindLabel(TableSchema schema, string? label)
    {
        if (!string.IsNullOrWhiteSpace(label))
        {
            var index = schema.IndexOf(label);
            return index >= 0
                ? index
                : throw new TrainingProblemException(
                    $"The label column '{label}' is not in the data; the columns are {string.Join(", ", schema.Columns.Select(c => $"'{c.Name}'"))}.");
        }
        foreach (var name in LabelNames)
        {
            var index = schema.IndexOf(name);
            if (index >= 0)
            {
                return index;
            }
        }
        return schema.Columns.Count - 1;
    }

    private static LearningTask InferTask(Table table, int labelIndex, IReadOnlyList<string> levels)
    {
        if (levels.Count == 2)
        {
            return LearningTask.Binary;
        }
        if (table.Schema.Columns[labelIndex].Kind == ColumnKind.Categorical)
        {
            return LearningTask.Multiclass;
        }
        var wholeNumbers = table.Numeric(labelIndex).Where(v => !double.IsNaN(v)).All(v => v == Math.Floor(v));
        return wholeNumbers && levels.Count <= MaxInferredClasses ? LearningTask.Multiclass : LearningTask.Regression;
    }

    private static void CheckTaskFits(ColumnSchema label, LearningTask task, IReadOnlyList<string> levels)
    {
        switch (task)
        {
            case LearningTask.Regression when label.Kind == ColumnKind.Categorical:
                throw new TrainingProblemException($"Regression needs a numeric label, but '{label.Name}' is categorical.");
            case LearningTask.Binary when levels.Count != 2:
                throw new TrainingProblemException(
                    $"Binary classification needs exactly two label values, but '{label.Name}' has {levels.Count}.");
            case LearningTask.Multiclass when levels.Count > 1000:
                throw new TrainingProblemException(
                    $"The label '{label.Name}' has {levels.Count} distinct values, too many for multiclass classification (at most 1000); is it a regression?");
        }
    }
}
