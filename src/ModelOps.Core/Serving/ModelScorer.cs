using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using ModelOps.Core.Data;
using ModelOps.Core.Training;

namespace ModelOps.Core.Serving;

/// <summary>Scores JSON rows with a loaded ML.NET model. Thread-safe: each call transforms its own view of its own rows.</summary>
public sealed class ModelScorer
{
    /// <summary>Above this many rows a batch goes through one data view, which amortises its set-up.</summary>
    private const int MaxRowsPerRowPath = 64;

    private readonly TrainedModel _model;
    private readonly CleaningReport? _cleaning;
    private readonly ConcurrentBag<RowPredictor> _predictors = [];

    // Worked out once per model, not per request: which features have a fill value, and which names are features.
    private readonly FillValue[] _fills;
    private readonly HashSet<string> _fillable;
    private readonly HashSet<string> _features;

    internal ModelScorer(TrainedModel model, CleaningReport? cleaning = null)
    {
        _model = model;
        _cleaning = cleaning;
        _features = new HashSet<string>(model.Problem.Features, StringComparer.OrdinalIgnoreCase);
        _fills = model.Problem.Features.Select(feature =>
            cleaning?.Imputations.FirstOrDefault(i => string.Equals(i.Column, feature, StringComparison.OrdinalIgnoreCase)) is { } plan
                ? new FillValue(plan.Number, plan.Category, Clip(cleaning, feature))
                : new FillValue(null, null, Clip(cleaning, feature))).ToArray();
        _fillable = new HashSet<string>(
            model.Problem.Features.Where((_, i) => _fills[i].Number is not null || _fills[i].Category is not null), StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>A feature's fill value and the range training clipped it to, if it did.</summary>
    private readonly record struct FillValue(double? Number, string? Category, ColumnClip? Clip);

    private static ColumnClip? Clip(CleaningReport? cleaning, string feature) =>
        cleaning?.Clips?.FirstOrDefault(c => string.Equals(c.Column, feature, StringComparison.OrdinalIgnoreCase));

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
        var table = ScoringRows.ToTable(rows, FeatureSchema, _fillable);
        FillInPlace(table); // the table is this call's own: no copy
        cancellationToken.ThrowIfCancellationRequested();
        return Score(table);
    }

    /// <summary>Field names the rows send that are not features of this model, in order of first appearance.</summary>
    public IReadOnlyList<string> UnknownFields(IReadOnlyList<IReadOnlyDictionary<string, JsonElement>> rows)
    {
        List<string>? unknown = null;
        foreach (var row in rows)
        {
            foreach (var name in row.Keys)
            {
                if (!_features.Contains(name) && !(unknown ??= []).Contains(name, StringComparer.OrdinalIgnoreCase))
                {
                    unknown.Add(name);
                }
            }
        }
        return unknown ?? (IReadOnlyList<string>)[];
    }

    /// <summary>The table with missing values filled and outliers clipped as training did (unchanged without a cleaning plan).</summary>
    internal Table Fill(Table table) => _cleaning is null ? table : Cleaner.Apply(table, _cleaning);

    private void FillInPlace(Table features)
    {
        for (var c = 0; c < _fills.Length; c++)
        {
            switch (features.Column(c))
            {
                case double[] numbers:
                    var (fill, clip) = (_fills[c].Number, _fills[c].Clip);
                    for (var r = 0; r < numbers.Length; r++)
                    {
                        if (double.IsNaN(numbers[r]) && fill is { } value)
                        {
                            numbers[r] = value;
                        }
                        if (clip is not null)
                        {
                            // The model learnt on clipped values; new rows are clipped the same way.
                            numbers[r] = Math.Clamp(numbers[r], clip.Lower, clip.Upper);
                        }
                    }
                    break;
                case string?[] texts when _fills[c].Category is { } level:
                    for (var r = 0; r < texts.Length; r++)
                    {
                        texts[r] ??= level;
                    }
                    break;
            }
        }
    }

    /// <summary>Scores the rows of a table that has the features (extra columns are fine).</summary>
    internal IReadOnlyList<Prediction> Score(Table table)
    {
        if (!table.Schema.Columns.Select(c => c.Name).SequenceEqual(Problem.Features, StringComparer.OrdinalIgnoreCase))
        {
            table = table.SelectColumns(Problem.Features);
        }
        var predictions = new List<Prediction>(table.RowCount);
        if (table.RowCount <= MaxRowsPerRowPath)
        {
            // Small requests, the usual case online: a pooled compiled row path, no data view per call.
            var predictor = _predictors.TryTake(out var pooled) ? pooled : new RowPredictor(_model);
            try
            {
                for (var r = 0; r < table.RowCount; r++)
                {
                    predictions.Add(predictor.Predict(table, r));
                }
            }
            finally
            {
                _predictors.Add(predictor);
            }
            return predictions;
        }
        var scored = _model.Transform(table, labelled: false);
        using var cursor = scored.GetRowCursor(PredictionReader.Columns(scored.Schema, Problem.Task));
        var reader = new PredictionReader(cursor, Problem);
        while (cursor.MoveNext())
        {
            predictions.Add(reader.Read());
        }
        return predictions;
    }
}
