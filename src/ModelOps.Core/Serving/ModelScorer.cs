using System.Collections.Concurrent;
using System.Text.Json;
using ModelOps.Core.Data;
using ModelOps.Core.Training;

namespace ModelOps.Core.Serving;

/// <summary>Scores rows with a loaded ML.NET model (model.zip). Thread-safe: each call transforms its own view of its own rows.</summary>
public sealed class ModelScorer : FeatureTableScorer
{
    /// <summary>Above this many rows a batch goes through one data view, which amortises its set-up.</summary>
    private const int MaxRowsPerRowPath = 64;

    private readonly TrainedModel _model;
    private readonly ConcurrentBag<RowPredictor> _predictors = [];

    internal ModelScorer(TrainedModel model, CleaningReport? cleaning = null)
        : base(new ScoringInput(model.Problem, model.FeatureSchema, cleaning))
    {
        _model = model;
    }

    /// <summary>Loads a model.zip written by training.</summary>
    /// <param name="schema">The schema the model was trained on (the whole table's or just the features'); the features are taken from it.</param>
    /// <param name="cleaning">The training run's cleaning plan: a feature a row leaves out (or sends as null) gets the
    /// value training filled in for it, as the model saw such rows in training. Without a plan every feature is required.</param>
    public static ModelScorer Load(Stream modelZip, TrainingProblem problem, TableSchema schema, CleaningReport? cleaning = null) =>
        new(TrainedModel.Load(modelZip, problem, schema), cleaning);

    /// <summary>Nothing to release: an ML.NET model is managed memory only.</summary>
    public override void Dispose()
    {
    }

    private protected override IReadOnlyList<Prediction> Predict(Table table)
    {
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
