namespace ModelOps.Durable;

/// <summary>How an activity is retried: attempts in all (first included), the wait before the first retry, its growth and cap.</summary>
public sealed record RetryPolicy(
    int MaxNumberOfAttempts,
    TimeSpan FirstRetryInterval,
    double BackoffCoefficient = 1,
    TimeSpan? MaxRetryInterval = null)
{
    /// <summary>The wait after failed attempt <paramref name="attempt"/> (1-based): first interval × coefficient^(attempt-1), capped.</summary>
    public TimeSpan DelayAfter(int attempt)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        var ticks = FirstRetryInterval.Ticks * Math.Pow(BackoffCoefficient, attempt - 1);
        var max = (MaxRetryInterval ?? TimeSpan.MaxValue).Ticks;
        return ticks >= max ? TimeSpan.FromTicks(max) : TimeSpan.FromTicks((long)ticks);
    }

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxNumberOfAttempts, 1, nameof(MaxNumberOfAttempts));
        ArgumentOutOfRangeException.ThrowIfLessThan(FirstRetryInterval, TimeSpan.Zero, nameof(FirstRetryInterval));
        ArgumentOutOfRangeException.ThrowIfLessThan(BackoffCoefficient, 1, nameof(BackoffCoefficient));
    }
}
