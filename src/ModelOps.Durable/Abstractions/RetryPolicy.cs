namespace ModelOps.Durable;

/// <summary>
/// How an activity is retried, as in Durable: attempts in all (first included), the wait before the first retry, its growth and cap,
/// an optional total time budget (<see cref="RetryTimeout"/>) and an optional filter of which failures are worth retrying (<see cref="Handle"/>).
/// </summary>
public sealed record RetryPolicy(
    int MaxNumberOfAttempts,
    TimeSpan FirstRetryInterval,
    double BackoffCoefficient = 1,
    TimeSpan? MaxRetryInterval = null)
{
    /// <summary>
    /// The most time, from the first attempt's start, that retrying may take: a retry whose wait would end after it is not made.
    /// Null means no budget (only <see cref="MaxNumberOfAttempts"/> limits).
    /// </summary>
    public TimeSpan? RetryTimeout { get; init; }

    /// <summary>
    /// Which failures are retried, e.g. <c>f => f.IsCausedBy&lt;TimeoutException&gt;()</c>; others surface at once. Null retries every failure.
    /// Runs inside the orchestrator, so it must be deterministic.
    /// </summary>
    public Func<TaskFailureDetails, bool>? Handle { get; init; }

    /// <summary>The wait after failed attempt <paramref name="attempt"/> (1-based): first interval × coefficient^(attempt-1), capped.</summary>
    public TimeSpan DelayAfter(int attempt)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        var ticks = FirstRetryInterval.Ticks * Math.Pow(BackoffCoefficient, attempt - 1);
        var max = (MaxRetryInterval ?? TimeSpan.MaxValue).Ticks;
        return ticks >= max ? TimeSpan.FromTicks(max) : TimeSpan.FromTicks((long)ticks);
    }

    /// <summary>
    /// Whether to retry after attempt <paramref name="attempt"/> failed with <paramref name="failure"/>, given when the first attempt
    /// started and the orchestration's current time; the decision Durable makes, in one place.
    /// </summary>
    internal bool ShouldRetry(int attempt, TaskFailureDetails failure, DateTime firstAttemptAt, DateTime now)
    {
        if (attempt >= MaxNumberOfAttempts || (Handle is { } handle && !handle(failure)))
        {
            return false;
        }
        return RetryTimeout is not { } budget || now + DelayAfter(attempt) <= firstAttemptAt + budget;
    }

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxNumberOfAttempts, 1, nameof(MaxNumberOfAttempts));
        ArgumentOutOfRangeException.ThrowIfLessThan(FirstRetryInterval, TimeSpan.Zero, nameof(FirstRetryInterval));
        ArgumentOutOfRangeException.ThrowIfLessThan(BackoffCoefficient, 1, nameof(BackoffCoefficient));
        if (MaxRetryInterval is { } max)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(max, TimeSpan.Zero, nameof(MaxRetryInterval));
        }
        if (RetryTimeout is { } timeout)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(timeout, TimeSpan.Zero, nameof(RetryTimeout));
        }
    }
}
