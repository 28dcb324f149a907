namespace ModelOps.Durable;

/// <summary>
/// What an orchestrator sees. Orchestrators are replayed from the start on every new event, so their code must be
/// deterministic: time from <see cref="CurrentUtcDateTime"/>, ids from <see cref="NewGuid"/>, all I/O in activities.
/// </summary>
public abstract class OrchestrationContext
{
    public abstract string InstanceId { get; }
    public abstract string Name { get; }

    /// <summary>The time the current batch of events was processed, as recorded in history: the same on every replay.</summary>
    public abstract DateTime CurrentUtcDateTime { get; }

    /// <summary>True while the code is re-running over events that were already persisted (e.g. to skip duplicate logging).</summary>
    public abstract bool IsReplaying { get; }

    public abstract T? GetInput<T>();

    /// <summary>Schedules an activity and returns its result; with <paramref name="retry"/>, failed attempts are retried after durable timers.</summary>
    /// <exception cref="TaskFailedException">The activity failed on its last attempt.</exception>
    public abstract Task<T> CallActivityAsync<T>(string name, object? input = null, RetryPolicy? retry = null);

    public virtual Task CallActivityAsync(string name, object? input = null, RetryPolicy? retry = null) =>
        CallActivityAsync<object?>(name, input, retry);

    /// <summary>Starts a child orchestration and returns its output.</summary>
    /// <exception cref="TaskFailedException">The child failed or was terminated.</exception>
    public abstract Task<T> CallSubOrchestratorAsync<T>(string name, object? input = null, string? instanceId = null);

    public virtual Task CallSubOrchestratorAsync(string name, object? input = null, string? instanceId = null) =>
        CallSubOrchestratorAsync<object?>(name, input, instanceId);

    /// <summary>A durable timer: survives restarts, fires from the engine's <see cref="TimeProvider"/>.</summary>
    public abstract Task CreateTimer(DateTime fireAt, CancellationToken cancellationToken);

    public virtual Task CreateTimer(TimeSpan delay, CancellationToken cancellationToken) =>
        CreateTimer(CurrentUtcDateTime.Add(delay), cancellationToken);

    /// <summary>Waits for an event raised with <see cref="DurableClient.RaiseEventAsync"/>; events raised earlier are kept until waited for.</summary>
    public abstract Task<T> WaitForExternalEvent<T>(string name, CancellationToken cancellationToken = default);

    /// <summary>Waits for an event at most <paramref name="timeout"/>: a timer raced against the event.</summary>
    /// <exception cref="TaskCanceledException">The timeout expired first.</exception>
    public virtual async Task<T> WaitForExternalEvent<T>(string name, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var received = WaitForExternalEvent<T>(name, cts.Token);
        var timer = CreateTimer(timeout, cts.Token);
        // No ConfigureAwait(false) anywhere in orchestration code: continuations must stay on the replay thread.
        var winner = await Task.WhenAny(received, timer);
        // Synchronous Cancel, not CancelAsync: the latter resumes on the thread pool, outside the replay.
        cts.Cancel();
        if (winner == received)
        {
            return await received;
        }
        throw new TaskCanceledException($"Timed out after {timeout} waiting for external event '{name}'.");
    }

    /// <summary>Status text or object shown to clients in <see cref="OrchestrationMetadata.SerializedCustomStatus"/>.</summary>
    public abstract void SetCustomStatus(object? status);

    /// <summary>A GUID that is the same on every replay (name-based on instance id, time and a counter).</summary>
    public abstract Guid NewGuid();

    /// <summary>Ends this execution and starts a fresh one with a new input and an empty history, once the orchestrator returns.</summary>
    public abstract void ContinueAsNew(object? newInput = null);
}
