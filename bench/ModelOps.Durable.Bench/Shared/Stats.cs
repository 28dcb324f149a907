namespace ModelOps.Durable.Bench;

/// <summary>Order statistics over samples in milliseconds: medians, not means, because the machine is shared and noisy.</summary>
internal static class Stats
{
    public static double Median(IEnumerable<double> samples) => Percentile(samples, 0.5);

    /// <summary>Nearest-rank percentile; NaN for no samples.</summary>
    public static double Percentile(IEnumerable<double> samples, double p)
    {
        var sorted = samples.Order().ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }
        var rank = (int)Math.Ceiling(p * sorted.Length) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Length - 1)];
    }

    public static double Ms(long fromTimestamp, long toTimestamp) =>
        (toTimestamp - fromTimestamp) * 1000.0 / System.Diagnostics.Stopwatch.Frequency;
}
