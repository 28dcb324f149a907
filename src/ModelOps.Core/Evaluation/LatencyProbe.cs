using ModelOps.Core.Data;
using ModelOps.Core.Serving;

namespace ModelOps.Core.Evaluation;

/// <summary>Single-row scoring latency, as a request to the HTTP API would see it (minus the network).</summary>
public sealed record LatencyReport(double P50Ms, double P95Ms, int Samples);

/// <summary>Times scoring one row at a time, through the same path serving uses.</summary>
internal sealed class LatencyProbe(TimeProvider? timeProvider = null)
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    public LatencyReport Measure(IModelScorer scorer, Table rows, int samples = 100, int warmup = 5, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scorer);
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentOutOfRangeException.ThrowIfLessThan(samples, 1);
        if (rows.RowCount == 0)
        {
            throw new ArgumentException("Latency needs at least one row to score.", nameof(rows));
        }
        var single = Enumerable.Range(0, Math.Min(rows.RowCount, samples)).Select(r => rows.SelectRows([r])).ToArray();
        // The first calls pay for JIT and lazy initialisation, which a warm server does not.
        for (var i = 0; i < warmup; i++)
        {
            scorer.Score(single[i % single.Length]);
        }
        var times = new double[samples];
        for (var i = 0; i < samples; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var started = _time.GetTimestamp();
            scorer.Score(single[i % single.Length]);
            times[i] = _time.GetElapsedTime(started).TotalMilliseconds;
        }
        Array.Sort(times);
        return new LatencyReport(Percentile(times, 0.50), Percentile(times, 0.95), samples);
    }

    private static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
}
