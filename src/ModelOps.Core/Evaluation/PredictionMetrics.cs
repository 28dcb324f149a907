using ModelOps.Core.Data;
using ModelOps.Core.Monitoring;
using ModelOps.Core.Serving;
using ModelOps.Core.Training;

namespace ModelOps.Core.Evaluation;

/// <summary>
/// A task's metrics from predictions already made, for models ML.NET's evaluators cannot run (ONNX versions): binary
/// auc, accuracy, logLoss; regression r2, rmse, mae; multiclass micro and macro accuracy. Rows without a label are skipped.
/// </summary>
internal static class PredictionMetrics
{
    public static IReadOnlyDictionary<string, double> Evaluate(TrainingProblem problem, Table labelled, IReadOnlyList<Prediction> predictions)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(labelled);
        ArgumentOutOfRangeException.ThrowIfNotEqual(predictions.Count, labelled.RowCount);
        var index = labelled.Schema.IndexOf(problem.Label);
        if (index < 0)
        {
            throw new TrainingProblemException($"The rows have no label column '{problem.Label}' to measure the model against.");
        }
        var kind = labelled.Schema.Columns[index].Kind;
        var column = labelled.Column(index);
        var rows = Enumerable.Range(0, labelled.RowCount).Where(r => LabelValues.Text(kind, column, r) is not null).ToArray();
        var metrics = new Dictionary<string, double>();
        if (rows.Length == 0)
        {
            return metrics;
        }
        switch (problem.Task)
        {
            case LearningTask.Regression:
                var predicted = rows.Select(r => ((RegressionPrediction)predictions[r]).Value).ToArray();
                var actual = rows.Select(r => labelled.Numeric(index)[r]).ToArray();
                foreach (var metric in new[] { MetricCatalog.R2, MetricCatalog.Rmse, MetricCatalog.Mae })
                {
                    metrics[metric] = TaskMetrics.Regression(metric, predicted, actual).Value;
                }
                break;
            case LearningTask.Binary:
                var probabilities = rows.Select(r => ((BinaryPrediction)predictions[r]).Probability).ToArray();
                var truth = rows.Select(r => LabelValues.Text(kind, column, r) == problem.PositiveClass).ToArray();
                foreach (var metric in new[] { MetricCatalog.Auc, MetricCatalog.Accuracy, MetricCatalog.LogLoss })
                {
                    metrics[metric] = TaskMetrics.Binary(metric, probabilities, truth).Value;
                }
                break;
            default:
                var labels = rows.Select(r => ((MulticlassPrediction)predictions[r]).Label).ToArray();
                var classes = rows.Select(r => LabelValues.Text(kind, column, r)!).ToArray();
                foreach (var metric in new[] { MetricCatalog.MicroAccuracy, MetricCatalog.MacroAccuracy })
                {
                    metrics[metric] = TaskMetrics.Multiclass(metric, labels, classes).Value;
                }
                break;
        }
        return metrics;
    }
}
