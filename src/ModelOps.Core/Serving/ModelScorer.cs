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
        table = Fill(table);
        cancellationToken.ThrowIfCancellationRequested();
        return Score(table);
    }

    /// <summary>Field names the rows send that are not features of this model, in order of first appearance.</summary>
    public IReadOnlyList<string> UnknownFields(IReadOnlyList<IReadOnlyDictionary<string, JsonElement>> rows)
    {
        var features = new HashSet<string>(Problem.Features, StringComparer.OrdinalIgnoreCase);
        return rows.SelectMany(r => r.Keys).Where(k => !features.Contains(k)).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
    }

    /// <summary>The table with missing feature values filled as training filled them (unchanged without a cleaning plan).</summary>
    internal Table Fill(Table table) => _cleaning is null ? table : Cleaner.Impute(table, _cleaning);

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
