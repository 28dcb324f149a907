using System.Diagnostics;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using ModelOps.Core.Serving;
using ModelOps.Core.Serving.Onnx;

namespace ModelOps.Serving.Bench;

/// <summary>
/// One row in process, two ways on the same ONNX session: (a) ONNX Runtime directly — <c>InferenceSession.Run</c> on
/// input tensors built once for the row, reading the probability output; (b) ModelOps' path —
/// <see cref="OnnxModelScorer.Score(IReadOnlyList{IReadOnlyDictionary{string, JsonElement}}, CancellationToken)"/> from parsed
/// JSON (validation, JSON → table, fill, pooled input tensors refilled, run, prediction shape). Blocks alternate.
/// </summary>
internal sealed class OnnxInProcessBenchmark(OnnxModelScorer scorer, IReadOnlyDictionary<string, JsonElement> row)
{
    public sealed record Result(Summary Direct, Summary Scorer, string DirectCheck, string ScorerCheck, int Inputs);

    public Result Run(int blocks, int perBlock, int warmup)
    {
        IReadOnlyList<IReadOnlyDictionary<string, JsonElement>> rows = [row];
        var contract = scorer.Contract;
        var session = scorer.Session;
        // The direct path gets the row's tensors ready-made: only ONNX Runtime's own work (and reading its answer) is left.
        var feed = new OnnxFeed(contract, scorer.Problem);
        using var tensors = feed.CreateRow();
        tensors.Load(scorer.Input.Read(rows), 0);
        var inputNames = feed.InputNames.ToArray();
        string[] outputNames = [contract.Probabilities!];
        var positive = contract.Classes!.ToList().IndexOf(scorer.Problem.PositiveClass!);
        using var runOptions = new RunOptions();

        float Direct()
        {
            using var outputs = session.Run(runOptions, inputNames, tensors.Values, outputNames);
            return outputs[0].GetTensorDataAsSpan<float>()[positive];
        }

        var direct = new List<double>(blocks * perBlock);
        var full = new List<double>(blocks * perBlock);
        var a = 0f;
        IReadOnlyList<Prediction>? b = null;
        for (var i = 0; i < warmup; i++)
        {
            a = Direct();
            b = scorer.Score(rows);
        }
        for (var block = 0; block < blocks; block++)
        {
            for (var i = 0; i < perBlock; i++)
            {
                var start = Stopwatch.GetTimestamp();
                a = Direct();
                direct.Add(Stats.Us(start, Stopwatch.GetTimestamp()));
            }
            for (var i = 0; i < perBlock; i++)
            {
                var start = Stopwatch.GetTimestamp();
                b = scorer.Score(rows);
                full.Add(Stats.Us(start, Stopwatch.GetTimestamp()));
            }
        }
        // Both paths must give the same probability, or the comparison is meaningless.
        return new Result(Summary.Of(direct), Summary.Of(full), a.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
            ((float)((BinaryPrediction)b![0]).Probability).ToString("R", System.Globalization.CultureInfo.InvariantCulture), inputNames.Length);
    }
}
