using System.Diagnostics;
using System.Text.Json;
using ModelOps.Core.Data;
using ModelOps.Core.Serving;
using ModelOps.Core.Training;

namespace ModelOps.Serving.Bench;

/// <summary>
/// One row in process, two ways on the same loaded model: (a) ML.NET directly — the model's compiled row mapper
/// (<see cref="RowPredictor"/>) over a row already in table form; (b) ModelOps' path — <see cref="ModelScorer.Score(IReadOnlyList{IReadOnlyDictionary{string, JsonElement}}, CancellationToken)"/>
/// from parsed JSON (validation, JSON → table, fill, predict). Blocks of (a) and (b) alternate so drift on the shared machine hits both.
/// </summary>
internal sealed class InProcessBenchmark(TrainedModel model, ModelScorer scorer, IReadOnlyDictionary<string, JsonElement> row)
{
    public sealed record Result(Summary Direct, Summary Scorer, string DirectCheck, string ScorerCheck);

    public Result Run(int blocks, int perBlock, int warmup)
    {
        IReadOnlyList<IReadOnlyDictionary<string, JsonElement>> rows = [row];
        // The direct path gets the row already validated, filled and in the model's feature order: only the model's work is left.
        var table = scorer.Input.Read(rows);
        var predictor = new RowPredictor(model);

        var direct = new List<double>(blocks * perBlock);
        var full = new List<double>(blocks * perBlock);
        Prediction? a = null;
        IReadOnlyList<Prediction>? b = null;
        for (var i = 0; i < warmup; i++)
        {
            a = predictor.Predict(table, 0);
            b = scorer.Score(rows);
        }
        for (var block = 0; block < blocks; block++)
        {
            for (var i = 0; i < perBlock; i++)
            {
                var start = Stopwatch.GetTimestamp();
                a = predictor.Predict(table, 0);
                direct.Add(Stats.Us(start, Stopwatch.GetTimestamp()));
            }
            for (var i = 0; i < perBlock; i++)
            {
                var start = Stopwatch.GetTimestamp();
                b = scorer.Score(rows);
                full.Add(Stats.Us(start, Stopwatch.GetTimestamp()));
            }
        }
        // Both paths must give the same answer, or the comparison is meaningless.
        return new Result(Summary.Of(direct), Summary.Of(full), JsonSerializer.Serialize<object>(a!), JsonSerializer.Serialize<object>(b![0]));
    }
}
