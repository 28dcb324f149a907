using System.Text.Json;
using ModelOps.Core.Data;
using ModelOps.Core.Training;

namespace ModelOps.Core.Serving;

/// <summary>
/// Scores rows with one loaded model version, whatever runs it (ML.NET: <see cref="ModelScorer"/>, ONNX Runtime:
/// <see cref="Onnx.OnnxModelScorer"/>). Every implementation validates, fills and answers in the same shapes, and is
/// safe to call from many threads at once. Dispose when the version is unloaded; calls in flight finish first.
/// </summary>
public interface IModelScorer : IDisposable
{
    /// <summary>What the version predicts: label, task, features, classes.</summary>
    TrainingProblem Problem { get; }

    /// <summary>The features a row must give, in order.</summary>
    TableSchema FeatureSchema { get; }

    /// <summary>Scores a batch; rows are keyed by column name (any case) and may carry extra fields, which are ignored.</summary>
    /// <exception cref="ScoringInputException">Some row lacks a feature that has no fill value, or gives one of the wrong type; every such field is listed.</exception>
    IReadOnlyList<Prediction> Score(IReadOnlyList<IReadOnlyDictionary<string, JsonElement>> rows, CancellationToken cancellationToken = default);

    /// <summary>Field names the rows send that are not features of this model, in order of first appearance.</summary>
    IReadOnlyList<string> UnknownFields(IReadOnlyList<IReadOnlyDictionary<string, JsonElement>> rows);

    /// <summary>
    /// Scores every row of a table that has the feature columns (other columns are ignored), with missing values filled
    /// and outliers clipped as training did: bulk scoring and evaluation.
    /// </summary>
    IReadOnlyList<Prediction> Score(Table table, CancellationToken cancellationToken = default);
}
