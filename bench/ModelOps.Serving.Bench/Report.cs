using System.Globalization;
using System.Text;
using System.Text.Json;
using ModelOps.Core.Registry;

namespace ModelOps.Serving.Bench;

/// <summary>The results as a Markdown section, the same text the README carries.</summary>
internal static class Report
{
    private const double InProcessGoalUs = 50;
    private const double HttpP99GoalUs = 2_000;

    public static string Markdown(BenchOptions options, ModelManifest manifest, InProcessBenchmark.Result inProcess, OnnxInProcessBenchmark.Result onnx,
        HttpLoad.OpenResult warm, HttpLoad.OpenResult open, HttpLoad.OpenResult floor, GcActivity hostGc, JsonElement trafficAfterOpen, HttpLoad.ClosedResult closed, JsonElement trafficAfterClosed)
    {
        var s = new StringBuilder();
        var overheadP50 = inProcess.Scorer.P50 - inProcess.Direct.P50;
        var overheadP99 = inProcess.Scorer.P99 - inProcess.Direct.P99;
        var onnxOverheadP50 = onnx.Scorer.P50 - onnx.Direct.P50;
        var onnxOverheadP99 = onnx.Scorer.P99 - onnx.Direct.P99;
        s.AppendLine(Inv($"Run {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, .NET {Environment.Version}, model churn v{manifest.Version} ({manifest.Trainer ?? "?"}), options `{options.CommandLine}`."));
        s.AppendLine();
        Comparison(s, "**In process, one row** (µs per call; blocks of each path alternate):",
            "(a) ML.NET directly: compiled row mapper on a prepared row", inProcess.Direct,
            "(b) `ModelScorer.Score` from parsed JSON", inProcess.Scorer, "b − a",
            "Same answer from both paths", inProcess.DirectCheck, inProcess.ScorerCheck);
        Comparison(s, Inv($"**In process, one row, ONNX version** (the churn test graph: {onnx.Inputs} inputs, one per column, float and string; µs per call; blocks alternate):"),
            "(c) ONNX Runtime directly: `InferenceSession.Run` on ready input tensors", onnx.Direct,
            "(d) `OnnxModelScorer.Score` from parsed JSON", onnx.Scorer, "d − c",
            "Same probability from both paths", onnx.DirectCheck, onnx.ScorerCheck);
        s.AppendLine("**Over HTTP on loopback, traffic logging on** (µs; one-row bodies to `POST /api/models/churn/predict`):");
        s.AppendLine();
        s.AppendLine("| run | requests | ok/s | errors | p50 µs | p95 µs | p99 µs | max µs |");
        s.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        s.AppendLine(Inv($"| open loop {options.Rate}/s × {options.Seconds} s, from send | {open.Scheduled} | {open.AchievedRate:F0} | {open.Errors} | {open.FromSend.P50:F0} | {open.FromSend.P95:F0} | {open.FromSend.P99:F0} | {open.FromSend.Max:F0} |"));
        s.AppendLine(Inv($"| same, from scheduled send (incl. generator lag) | | | | {open.FromSchedule.P50:F0} | {open.FromSchedule.P95:F0} | {open.FromSchedule.P99:F0} | {open.FromSchedule.Max:F0} |"));
        s.AppendLine(Inv($"| the floor: same open loop, constant endpoint (no model, no log), from send | {floor.Scheduled} | {floor.AchievedRate:F0} | {floor.Errors} | {floor.FromSend.P50:F0} | {floor.FromSend.P95:F0} | {floor.FromSend.P99:F0} | {floor.FromSend.Max:F0} |"));
        s.AppendLine(Inv($"| closed loop {closed.Clients} clients × {options.ClosedSeconds} s | {closed.Ok + closed.Errors} | {closed.Throughput:F0} | {closed.Errors} | {closed.Latency.P50:F0} | {closed.Latency.P95:F0} | {closed.Latency.P99:F0} | {closed.Latency.Max:F0} |"));
        s.AppendLine();
        s.AppendLine(Inv($"Predict over the floor, from send: p50 +{open.FromSend.P50 - floor.FromSend.P50:F0} µs, p99 +{open.FromSend.P99 - floor.FromSend.P99:F0} µs (the floor: a minimal Kestrel app in its own process, with the host's GC, reading the body and answering a constant; run right after, against the same machine)."));
        s.AppendLine();
        s.AppendLine($"Garbage collection during the open loop: host {hostGc}; load generator {open.Gc}.");
        s.AppendLine();
        var expectedAfterOpen = warm.Ok + open.Ok;
        s.AppendLine(Inv($"Traffic log (`GET /api/health`) after the {options.WarmupSeconds} s warm-up + open loop ({expectedAfterOpen} answered): written {Num(trafficAfterOpen, "written")}, dropped {Num(trafficAfterOpen, "dropped")}, rejected {Num(trafficAfterOpen, "rejected")}, pending {Num(trafficAfterOpen, "pending")}, failed flushes {Num(trafficAfterOpen, "failedFlushes")}."));
        s.AppendLine(Inv($"After the closed loop too ({expectedAfterOpen + closed.Ok} answered): written {Num(trafficAfterClosed, "written")}, dropped {Num(trafficAfterClosed, "dropped")}, rejected {Num(trafficAfterClosed, "rejected")}, pending {Num(trafficAfterClosed, "pending")}."));
        if ((open.FirstError ?? closed.FirstError) is { } error)
        {
            s.AppendLine();
            s.AppendLine($"First error: `{error}`");
        }
        s.AppendLine();
        s.AppendLine("**Goals** (issue 5):");
        s.AppendLine();
        s.AppendLine("| goal | measured | met |");
        s.AppendLine("|---|---:|---|");
        s.AppendLine(Inv($"| in-process overhead < {InProcessGoalUs:F0} µs (p50) | {overheadP50:F1} µs | {Met(overheadP50 < InProcessGoalUs)} |"));
        s.AppendLine(Inv($"| in-process overhead < {InProcessGoalUs:F0} µs (p99) | {overheadP99:F1} µs | {Met(overheadP99 < InProcessGoalUs)} |"));
        s.AppendLine(Inv($"| ONNX in-process overhead < {InProcessGoalUs:F0} µs (p50) | {onnxOverheadP50:F1} µs | {Met(onnxOverheadP50 < InProcessGoalUs)} |"));
        s.AppendLine(Inv($"| ONNX in-process overhead < {InProcessGoalUs:F0} µs (p99) | {onnxOverheadP99:F1} µs | {Met(onnxOverheadP99 < InProcessGoalUs)} |"));
        s.AppendLine(Inv($"| HTTP p99 < 2 ms at {options.Rate}/s, logging on (from send) | {open.FromSend.P99 / 1000:F2} ms | {Met(open.FromSend.P99 < HttpP99GoalUs && open.Errors == 0)} |"));
        s.AppendLine(Inv($"| same, from scheduled send | {open.FromSchedule.P99 / 1000:F2} ms | {Met(open.FromSchedule.P99 < HttpP99GoalUs && open.Errors == 0)} |"));
        s.AppendLine(Inv($"| achieved rate ≥ 99% of {options.Rate}/s | {open.AchievedRate:F0}/s | {Met(open.AchievedRate >= options.Rate * 0.99)} |"));
        s.AppendLine(Inv($"| no traffic record dropped | {Num(trafficAfterClosed, "dropped")} dropped | {Met(Num(trafficAfterClosed, "dropped") == 0 && Num(trafficAfterClosed, "rejected") == 0)} |"));
        return s.ToString();
    }

    /// <summary>One in-process table: the runtime called directly, our full path, the overhead, and whether both answered alike.</summary>
    private static void Comparison(StringBuilder s, string title, string directName, Summary direct, string oursName, Summary ours,
        string difference, string checkSentence, string directCheck, string oursCheck)
    {
        s.AppendLine(title);
        s.AppendLine();
        s.AppendLine("| path | calls | p50 µs | p95 µs | p99 µs | max µs |");
        s.AppendLine("|---|---:|---:|---:|---:|---:|");
        Row(s, directName, direct);
        Row(s, oursName, ours);
        s.AppendLine(Inv($"| overhead ({difference}) | | {ours.P50 - direct.P50:F1} | | {ours.P99 - direct.P99:F1} | |"));
        s.AppendLine();
        s.AppendLine(Inv($"{checkSentence}: {(directCheck == oursCheck ? "yes" : $"NO ({directCheck} vs {oursCheck})")}."));
        s.AppendLine();
    }

    private static void Row(StringBuilder s, string name, Summary x) =>
        s.AppendLine(Inv($"| {name} | {x.Count} | {x.P50:F1} | {x.P95:F1} | {x.P99:F1} | {x.Max:F0} |"));

    private static long Num(JsonElement traffic, string name) => traffic.TryGetProperty(name, out var v) ? v.GetInt64() : -1;

    private static string Met(bool met) => met ? "yes" : "**no**";

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
