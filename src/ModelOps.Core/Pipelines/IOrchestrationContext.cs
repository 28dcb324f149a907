namespace ModelOps.Core.Pipelines;

/// <summary>
/// What an orchestration may do, shaped like Durable Functions' TaskOrchestrationContext. The local engine and the
/// Azure Functions app each wrap their own context in a small adapter. Code written against it must be deterministic:
/// no I/O, no clocks, no random, no threads; all work happens in activities.
/// </summary>
public interface IOrchestrationContext
{
    string InstanceId { get; }

    /// <summary>The replay-safe current time.</summary>
    DateTime CurrentUtcDateTime { get; }

    bool IsReplaying { get; }

    T GetInput<T>();

    /// <summary>Runs an activity; a failed activity throws <see cref="ActivityFailedException"/> after its retries.</summary>
    Task<TResult> CallActivityAsync<TResult>(string name, object? input = null, RetryPolicy? retry = null);

    /// <summary>Runs another orchestration as a child with its own history; its failure throws here after it ends.</summary>
    Task<TResult> CallSubOrchestratorAsync<TResult>(string name, object? input = null, string? instanceId = null);

    /// <summary>A durable timer: survives restarts of the host.</summary>
    Task CreateTimer(DateTime fireAt, CancellationToken cancellationToken);

    Task<T> WaitForExternalEvent<T>(string eventName, CancellationToken cancellationToken = default);

    /// <summary>What <c>GET /api/runs/{id}</c> shows as customStatus: the current step and progress through it.</summary>
    void SetCustomStatus(object? customStatus);

    /// <summary>A GUID that is the same on every replay.</summary>
    Guid NewGuid();
}

/// <summary>How a failed activity is retried, as in Durable Functions.</summary>
public sealed record RetryPolicy(
    int MaxNumberOfAttempts,
    TimeSpan FirstRetryInterval,
    double BackoffCoefficient = 1.0,
    TimeSpan? MaxRetryInterval = null);

/// <summary>An activity failed after all its attempts; the message is the activity's own, for the user.</summary>
public sealed class ActivityFailedException(string activityName, string errorType, string message)
    : Exception(message)
{
    public string ActivityName { get; } = activityName;

    /// <summary>The .NET type name of the exception the activity threw.</summary>
    public string ErrorType { get; } = errorType;
}
