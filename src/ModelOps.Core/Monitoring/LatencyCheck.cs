namespace ModelOps.Core.Monitoring;

/// <summary>Scoring latency of a traffic window against the service-level objective.</summary>
/// <param name="Alarm">True when p95 exceeds the p95 SLO, or p99 exceeds the p99 SLO when one is set.</param>
public sealed record LatencySignal(int Count, double P50, double P95, double P99, double SloP95Ms, double? SloP99Ms, bool Alarm);

/// <summary>Percentiles of request latency and the SLO alarm (the model config's <c>monitor.p95LatencyMs</c>).</summary>
internal static class LatencyCheck
{
    /// <summary>p50/p95/p99 by linear interpolation (numpy's default); NaN latencies are ignored; an empty window never alarms.</summary>
    public static LatencySignal Evaluate(ReadOnlySpan<double> latenciesMs, double sloP95Ms, double? sloP99Ms = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sloP95Ms);
        var sorted = new double[latenciesMs.Length];
        var count = 0;
        foreach (var v in latenciesMs)
        {
            if (!double.IsNaN(v))
            {
                sorted[count++] = v;
            }
        }
        if (count == 0)
        {
            return new LatencySignal(0, double.NaN, double.NaN, double.NaN, sloP95Ms, sloP99Ms, false);
        }
        Array.Resize(ref sorted, count);
        Array.Sort(sorted);
        var p50 = Percentile(sorted, 50);
        var p95 = Percentile(sorted, 95);
        var p99 = Percentile(sorted, 99);
        var alarm = p95 > sloP95Ms || (sloP99Ms is { } slo99 && p99 > slo99);
        return new LatencySignal(count, p50, p95, p99, sloP95Ms, sloP99Ms, alarm);
    }

    /// <summary>numpy.percentile(method='linear') of an ascending sample.</summary>
    public static double Percentile(ReadOnlySpan<double> sorted, double percent)
    {
        var rank = percent / 100.0 * (sorted.Length - 1);
        var lo = (int)Math.Floor(rank);
        var hi = Math.Min(lo + 1, sorted.Length - 1);
        var fraction = rank - lo;
        // numpy's _lerp: a + (b - a)·t, switched to b - (b - a)·(1 - t) for t ≥ 0.5 to stay monotone.
        var a = sorted[lo];
        var b = sorted[hi];
        var diff = b - a;
        return fraction >= 0.5 ? b - diff * (1 - fraction) : a + diff * fraction;
    }
}
