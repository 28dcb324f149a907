using ModelOps.Core.Data;
using ModelOps.Core.Training;

namespace ModelOps.Core.Serving;

/// <summary>Predictions as extra table columns, for bulk scoring output.</summary>
internal static class PredictionColumns
{
    public static Table Append(Table table, IReadOnlyList<Prediction> predictions, TrainingProblem problem)
    {
        var schema = new List<ColumnSchema>(table.Schema.Columns);
        var columns = Enumerable.Range(0, table.ColumnCount).Select(table.Column).ToList();
        void Add(string name, ColumnKind kind, object values)
        {
            schema.Add(new ColumnSchema(Unique(name, schema), kind));
            columns.Add(values);
        }
        switch (problem.Task)
        {
            case LearningTask.Regression:
                Add("prediction", ColumnKind.Numeric, predictions.Select(p => ((RegressionPrediction)p).Value).ToArray());
                break;
            case LearningTask.Binary:
                Add("predicted_label", ColumnKind.Boolean, predictions.Select(p => ((BinaryPrediction)p).Label ? 1.0 : 0.0).ToArray());
                Add("probability", ColumnKind.Numeric, predictions.Select(p => ((BinaryPrediction)p).Probability).ToArray());
                break;
            default:
                Add("predicted_label", ColumnKind.Categorical, predictions.Select(p => (string?)((MulticlassPrediction)p).Label).ToArray());
                foreach (var label in problem.Classes!)
                {
                    Add($"probability_{label}", ColumnKind.Numeric, predictions.Select(p => ((MulticlassPrediction)p).Probabilities[label]).ToArray());
                }
                break;
        }
        return new Table(new TableSchema(schema), columns);
    }

    private static string Unique(string name, IReadOnlyList<ColumnSchema> existing)
    {
        var candidate = name;
        for (var n = 2; existing.Any(c => string.Equals(c.Name, candidate, StringComparison.OrdinalIgnoreCase)); n++)
        {
            candidate = $"{name}_{n}";
        }
        return candidate;
    }
}
