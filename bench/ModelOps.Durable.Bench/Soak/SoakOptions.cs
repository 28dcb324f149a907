namespace ModelOps.Durable.Bench.Soak;

/// <summary>Settings of one soak: how many instances, how many kills, and the seed of the kill delays.</summary>
internal sealed record SoakOptions(int Instances, int Kills, int Seed, TimeSpan TimeLimit, int MinDelayMs, int MaxDelayMs, int WorkMs, bool Keep)
{
    public const string Hub = "soak";

    public static SoakOptions From(CommandArgs args)
    {
        var options = new SoakOptions(
            args.Int("instances", 100),
            args.Int("kills", 30),
            args.Int("seed", 1),
            TimeSpan.FromSeconds(args.Int("time-limit", 600)),
            args.Int("min-delay-ms", 100),
            args.Int("max-delay-ms", 1500),
            args.Int("work-ms", 50),
            args.Flag("keep"));
        if (options.Instances < 1 || options.Kills < 0 || options.MinDelayMs < 0 || options.MaxDelayMs < options.MinDelayMs || options.WorkMs < 0)
        {
            throw new ArgumentException("Need --instances >= 1, --kills >= 0, 0 <= --min-delay-ms <= --max-delay-ms, --work-ms >= 0.");
        }
        return options;
    }
}
