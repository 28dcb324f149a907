using System.Text.Json;
using ModelOps.Core.Data;
using ModelOps.Core.Training;

namespace ModelOps.Core.Serving;

/// <summary>
/// What every scorer does before its runtime sees a row: requests and tables become one feature table, validated,
/// filled and clipped as training did (<see cref="ScoringInput"/>). Runtimes only predict on that table.
/// </summary>
public abstract class FeatureTableScorer : IModelScorer
{
    private protected FeatureTableScorer(ScoringInput input) => Input = input;

    /// <summary>How this version reads rows (the serving benchmark prepares its direct paths' input with it).</summary>
    internal ScoringInput Input { get; }

    /// <inheritdoc/>
    public TrainingProblem Problem => Input.Problem;

    /// <inheritdoc/>
    public TableSchema FeatureSchema => Input.FeatureSchema;

    /// <inheritdoc/>
    public IReadOnlyList<Prediction> Score(IReadOnlyList<IReadOnlyDictionary<string, JsonElement>> rows, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0)
        {
            return [];
        }
        var table = Input.Read(rows);
        cancellationToken.ThrowIfCancellationRequested();
        return Predict(table);
    }

    /// <inheritdoc/>
    public IReadOnlyList<string> UnknownFields(IReadOnlyList<IReadOnlyDictionary<string, JsonElement>> rows) => Input.UnknownFields(rows);

    /// <inheritdoc/>
    public IReadOnlyList<Prediction> Score(Table table, CancellationToken cancellationToken = default)
    {
        var features = Input.Features(table);
        cancellationToken.ThrowIfCancellationRequested();
        return features.RowCount == 0 ? [] : Predict(features);
    }

    /// <inheritdoc/>
    public abstract void Dispose();

    /// <summary>Scores a feature table: columns in feature order, already filled and clipped, at least one row.</summary>
    private protected abstract IReadOnlyList<Prediction> Predict(Table features);
}
