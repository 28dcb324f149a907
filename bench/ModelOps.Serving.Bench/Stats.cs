namespace ModelOps.Serving.Bench;

/// <summary>Order statistics over samples in microseconds: medians and tails, not means, because the machine is shared and noisy.</summary>
internal static class Stats
{
    /// <summary>Nearest-rank percentile of an already sorted array; NaN for no samples.</summary>
    public static double Percentile(double[] sorted, double p)
    {
        if (sorted.Length == 0)
        {
            return double.NaN;
        }
        var rank = (int)Math.Ceiling(p * sorted.Length) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Length - 1)];
    }

    public static double Us(long fromTimestamp, long toTimestamp) =>
        (toTimestamp - fromTimestamp) * 1_000_000.0 / System.Diagnostics.Stopwatch.Frequency;
}

/// <summary>p50/p95/p99/max of one series, in microseconds.</summary>
internal sealed record Summary(int Count, double P50, double P95, double P99, double Max)
{
    public static Summary Of(IEnumerable<double> samples)
    {
        var sorted = samples.Order().ToArray();
        return new Summary(sorted.Length, Stats.Percentile(sorted, 0.50), Stats.Percentile(sorted, 0.95),
            Stats.Percentile(sorted, 0.99), sorted.Length == 0 ? double.NaN : sorted[^1]);
    }
}
