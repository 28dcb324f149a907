namespace ModelOps.Core.Serving.Traffic;

/// <summary>Settings of the feedback store (section <c>ModelOps:Feedback</c>).</summary>
public sealed record FeedbackStoreOptions
{
    /// <summary>The host's name in blob names; same rules as <see cref="TrafficLogOptions.Host"/>. Default: the machine name, made so.</summary>
    public string Host { get; init; } = TrafficLogOptions.HostSegment(Environment.MachineName);

    /// <summary>Most labels one call may store. Default 10,000.</summary>
    public int MaxLabels { get; init; } = 10_000;

    /// <summary>Largest label, as JSON text. Default 4 KiB.</summary>
    public int MaxLabelBytes { get; init; } = 4 * 1024;

    /// <summary>How long after a row is scored its label may arrive and still join. Default 7 days.</summary>
    public TimeSpan MaxFeedbackDelay { get; init; } = TimeSpan.FromDays(7);

    /// <summary>A feedback blob rolls to the next <c>n</c> before it would pass this size. Default 64 MiB.</summary>
    public long MaxBlobBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>Every problem with these options, empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new TrafficLogOptions { Host = Host }.Validate().Where(e => e.StartsWith("Host", StringComparison.Ordinal)).ToList();
        if (MaxLabels <= 0)
        {
            errors.Add($"{nameof(MaxLabels)} must be positive, not {MaxLabels}.");
        }
        if (MaxLabelBytes <= 0)
        {
            errors.Add($"{nameof(MaxLabelBytes)} must be positive, not {MaxLabelBytes}.");
        }
        if (MaxFeedbackDelay < TimeSpan.Zero)
        {
            errors.Add($"{nameof(MaxFeedbackDelay)} must not be negative, not {MaxFeedbackDelay}.");
        }
        if (MaxBlobBytes < FeedbackStore.MaxBlockBytes)
        {
            errors.Add($"{nameof(MaxBlobBytes)} must be at least {FeedbackStore.MaxBlockBytes}.");
        }
        return errors;
    }

    public FeedbackStoreOptions EnsureValid()
    {
        var errors = Validate();
        return errors.Count == 0 ? this : throw new ArgumentException("Feedback store options are invalid: " + string.Join(" ", errors));
    }
}
