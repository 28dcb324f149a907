using Microsoft.ML;
using ModelOps.Core.Data;
using ModelOps.Core.Training;

namespace ModelOps.Core.Evaluation;

/// <summary>Computes a task's metrics for a model on labelled rows it did not train on.</summary>
internal static class ModelEvaluator
{
    /// <summary>Every metric the task reports (see <see cref="MetricCatalog.For"/>), keyed by catalog name.</summary>
    public static IReadOnlyDictionary<string, double> Evaluate(TrainedModel model, Table heldOut)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(heldOut);
        if (heldOut.RowCount == 0)
        {
            throw new TrainingProblemException("There are no held-out rows to evaluate on.");
        }
        var scored = model.Transform(heldOut, labelled: true);
        var ml = model.Ml;
        const string label = TableDataView.LabelColumn;
        switch (model.Problem.Task)
        {
            case LearningTask.Regression:
                var r = ml.Regression.Evaluate(scored, label);
                return new Dictionary<string, double>
                {
                    [MetricCatalog.R2] = r.RSquared,
                    [MetricCatalog.Rmse] = r.RootMeanSquaredError,
                    [MetricCatalog.Mae] = r.MeanAbsoluteError,
                };
            case LearningTask.Binary:
                var b = ml.BinaryClassification.Evaluate(scored, label);
                return new Dictionary<string, double>
                {
                    [MetricCatalog.Auc] = b.AreaUnderRocCurve,
                    [MetricCatalog.Accuracy] = b.Accuracy,
                    [MetricCatalog.F1] = b.F1Score,
                    [MetricCatalog.LogLoss] = b.LogLoss,
                    [MetricCatalog.Precision] = b.PositivePrecision,
                    [MetricCatalog.Recall] = b.PositiveRecall,
                };
            default:
                var m = ml.MulticlassClassification.Evaluate(scored, label);
                return new Dictionary<string, double>
                {
                    [MetricCatalog.MacroAccuracy] = m.MacroAccuracy,
                    [MetricCatalog.MicroAccuracy] = m.MicroAccuracy,
                    [MetricCatalog.LogLoss] = m.LogLoss,
                };
        }
    }
}
