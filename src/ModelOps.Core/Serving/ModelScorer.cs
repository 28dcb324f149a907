using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using ModelOps.Core.Data;
using ModelOps.Core.Training;

namespace ModelOps.Core.Serving;

/// <summary>Scores JSON rows with a loaded ML.NET model. Thread-safe: each call transforms its own view of its own rows.</summary>
public sealed class ModelScorer
{
    private readonly TrainedModel _model;
    private readonly CleaningReport? _cleaning;

    internal ModelScorer(TrainedModel model, CleaningReport? cleaning = null)
    {
        _model = model;
        _cleaning = cleaning;
    }

    public TrainingProblem Problem => _model.Problem;

    /// <summary>The features a row must give, in order.</summary>
    public TableSchema FeatureSchema => _model.FeatureSchema;

    /// <summary>Loads a model.zip written by training.</summary>
    /// <param name="schema">The schema the model was trained on (the whole table's or just the features'); the features are taken from it.</param>
    /// <param name="cleaning">The training run's cleaning plan: a feature a row leaves out (or sends as null) gets the
    /// value training filled in for it, as the model saw such rows in training. Without a plan every feature is required.</param>
    public static ModelScorer Load(Stream modelZip, TrainingProblem problem, TableSchema schema, CleaningReport? cleaning = null) =>
        new(TrainedModel.Load(modelZip, problem, schema), cleaning);

    /// <summary>Scores a batch in one pass; rows are keyed by column name (any case) and may carry extra fields, which are ignored.</summary>
    /// <exception cref="ScoringInputException">Some row lacks a feature that has no fill value, or gives one of the wrong type; every such field is listed.</exception>
    public IReadOnlyList<Prediction> Score(IReadOnlyList<IReadOnlyDictionary<string, JsonElement>> rows, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0)
        {
            return [];
        }
        var fillable = _cleaning?.Imputations.Where(i => i.Number is not null || i.Category is not null).Select(i => i.Column)
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        var table = ScoringRows.ToTable(rows, FeatureSchema, fillable);
        if (_cleaning is not null)
        {
            table = Cleaner.Impute(table, _cleaning);
        }
        cancellationToken.ThrowIfCancellationRequested();
        return Score(table);
    }

    /// <summary>Scores the rows of a feature table (extra columns are fine).</summary>
    internal IReadOnlyList<Prediction> Score(Table table)
    {
        var scored = _model.Transform(table, labelled: false);
        var predictions = new List<Prediction>(table.RowCount);
        switch (Problem.Task)
        {
            case LearningTask.Regression:
                {
                    using var cursor = scored.GetRowCursor([scored.Schema["Score"]]);
                    var score = cursor.GetGetter<float>(scored.Schema["Score"]);
                    var value = 0f;
                    while (cursor.MoveNext())
                    {
                        score(ref value);
                        predictions.Add(new RegressionPrediction(value));
                    }
                    break;
                }
            case LearningTask.Binary:
                {
                    var labelColumn = scored.Schema["PredictedLabel"];
                    var probabilityColumn = scored.Schema["Probability"];
                    using var cursor = scored.GetRowCursor([labelColumn, probabilityColumn]);
                    var label = cursor.GetGetter<bool>(labelColumn);
                    var probability = cursor.GetGetter<float>(probabilityColumn);
                    bool isPositive = false;
                    var p = 0f;
                    while (cursor.MoveNext())
                    {
                        label(ref isPositive);
                        probability(ref p);
                        predictions.Add(new BinaryPrediction(isPositive, float.IsNaN(p) ? (isPositive ? 1 : 0) : Math.Clamp(p, 0, 1)));
                    }
                    break;
                }
            default:
                {
                    var classes = Problem.Classes!;
                    var scoreColumn = scored.Schema["Score"];
                    using var cursor = scored.GetRowCursor([scoreColumn]);
                    var score = cursor.GetGetter<VBuffer<float>>(scoreColumn);
                    var buffer = default(VBuffer<float>);
                    while (cursor.MoveNext())
                    {
                        score(ref buffer);
                        predictions.Add(Multiclass(buffer.DenseValues().ToArray(), classes));
                    }
                    break;
                }
        }
        return predictions;
    }

    // Scores are in class-key order, which is the order of Problem.Classes; one-versus-all scores need not sum to 1.
    private static MulticlassPrediction Multiclass(float[] scores, IReadOnlyList<string> classes)
    {
        var clipped = scores.Select(s => float.IsNaN(s) ? 0 : Math.Max(s, 0)).ToArray();
        var sum = clipped.Sum();
        var probabilities = new Dictionary<string, double>(classes.Count, StringComparer.Ordinal);
        var best = 0;
        for (var i = 0; i < classes.Count; i++)
        {
            var p = i < clipped.Length ? (sum > 0 ? clipped[i] / sum : 1.0 / classes.Count) : 0;
            probabilities[classes[i]] = p;
            if (p > probabilities[classes[best]])
            {
                best = i;
            }
        }
        return new MulticlassPrediction(classes[best], probabilities);
    }
}
