namespace ModelOps.Durable.Bench.Overhead;

/// <summary>Sizes of the overhead benchmark. <see cref="Quick"/> finishes in well under a minute; <see cref="Full"/> in a few.</summary>
internal sealed record OverheadOptions(int ChainLength, int ChainRuns, int FanOutWidth, int FanOutRuns, int StorageSamples,
    int MaxConcurrentActivities, int FanOutWorkMs)
{
    public static OverheadOptions Quick => new(20, 3, 200, 2, 30, 2 * Environment.ProcessorCount, 1);
    public static OverheadOptions Full => new(50, 5, 1000, 3, 200, 2 * Environment.ProcessorCount, 1);

    public static OverheadOptions From(CommandArgs args)
    {
        var defaults = args.Flag("quick") ? Quick : Full;
        return new OverheadOptions(
            args.Int("chain", defaults.ChainLength),
            args.Int("chain-runs", defaults.ChainRuns),
            args.Int("fanout", defaults.FanOutWidth),
            args.Int("fanout-runs", defaults.FanOutRuns),
            args.Int("storage-samples", defaults.StorageSamples),
            args.Int("max-activities", defaults.MaxConcurrentActivities),
            args.Int("fanout-work-ms", defaults.FanOutWorkMs));
    }
}
