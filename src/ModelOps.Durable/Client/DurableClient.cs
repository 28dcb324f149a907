using System.Globalization;
using System.Text;
using Azure.Data.Tables;

namespace ModelOps.Durable;

/// <summary>Starts, queries, signals and ends orchestration instances of one engine; shaped like durabletask-dotnet's DurableTaskClient.</summary>
public sealed class DurableClient
{
    private readonly DurableEngine _engine;

    internal DurableClient(DurableEngine engine) => _engine = engine;

    /// <summary>Starts the newest version of an orchestration; returns its instance id (a new GUID when none is given).</summary>
    /// <exception cref="OrchestrationAlreadyExistsException">
    /// An instance with <paramref name="instanceId"/> exists, whatever its status: an id starts at most one orchestration, ever (until purged).
    /// For a singleton that may run again once ended, use the overload with <see cref="StartOrchestrationOptions.Singleton"/>.
    /// </exception>
    public Task<string> ScheduleNewOrchestrationInstanceAsync(string name, object? input = null, string? instanceId = null,
        CancellationToken cancellationToken = default) =>
        ScheduleNewOrchestrationInstanceAsync(name, input, new StartOrchestrationOptions { InstanceId = instanceId }, cancellationToken);

    /// <summary>
    /// Starts an orchestration as <paramref name="options"/> say; returns its instance id. When the id is taken: a Pending or Running
    /// instance always makes this throw; an ended one makes it throw if its status is in <see cref="StartOrchestrationOptions.DedupeStatuses"/>
    /// (by default every ended status), and is otherwise replaced by a fresh execution.
    /// </summary>
    /// <exception cref="OrchestrationAlreadyExistsException">The id is taken and may not be reused.</exception>
    public Task<string> ScheduleNewOrchestrationInstanceAsync(string name, object? input, StartOrchestrationOptions options,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.DedupeStatuses);
        var instanceId = options.InstanceId ?? Guid.NewGuid().ToString("N");
        StorageNames.ValidateInstanceId(instanceId);
        var serialized = DurableRegistry.Serialize(input, _engine.Options.JsonSerializerOptions);
        return _engine.CreateInstanceAsync(instanceId, name, options.Version, serialized, null, -1, options.DedupeStatuses, cancellationToken);
    }

    /// <summary>The instance's stored state, or null when there is no such instance.</summary>
    public async Task<OrchestrationMetadata?> GetInstanceAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        StorageNames.ValidateInstanceId(instanceId);
        var found = await _engine.Store.GetAsync(instanceId, cancellationToken).ConfigureAwait(false);
        return found?.Record.ToMetadata();
    }

    /// <summary>
    /// Instances matching <paramref name="query"/>, newest first, one page at a time. Filters run in storage; ordering and paging
    /// run here over the matches, so a page costs a scan of all matches (fine for a local hub, not for millions of instances).
    /// </summary>
    public async Task<OrchestrationQueryResult> QueryInstancesAsync(OrchestrationQuery? query = null, CancellationToken cancellationToken = default)
    {
        query ??= new OrchestrationQuery();
        ArgumentOutOfRangeException.ThrowIfLessThan(query.PageSize, 1, nameof(query));
        var filters = new List<string>();
        if (query.Name is { } name)
        {
            filters.Add(TableClient.CreateQueryFilter($"Name eq {name}"));
        }
        if (query.Statuses is { Count: > 0 } statuses)
        {
            filters.Add("(" + string.Join(" or ", statuses.Select(s => TableClient.CreateQueryFilter($"RuntimeStatus eq {s.ToString()}"))) + ")");
        }
        if (query.CreatedFrom is { } from)
        {
            filters.Add(TableClient.CreateQueryFilter($"CreatedAt ge {from}"));
        }
        if (query.CreatedTo is { } to)
        {
            filters.Add(TableClient.CreateQueryFilter($"CreatedAt le {to}"));
        }
        if (!string.IsNullOrEmpty(query.InstanceIdPrefix))
        {
            var prefix = query.InstanceIdPrefix;
            var upper = prefix[..^1] + (char)(prefix[^1] + 1);
            filters.Add(TableClient.CreateQueryFilter($"PartitionKey ge {prefix} and PartitionKey lt {upper}"));
        }
        var rows = await _engine.Store.QueryAsync(filters.Count == 0 ? null : string.Join(" and ", filters), cancellationToken)
            .ConfigureAwait(false);
        var ordered = rows.Select(r => r.Record)
            .OrderByDescending(r => r.CreatedAt)
            .ThenBy(r => r.InstanceId, StringComparer.Ordinal);
        IEnumerable<InstanceRecord> remaining = ordered;
        if (query.ContinuationToken is { } token)
        {
            var (ticks, afterId) = ParseToken(token);
            // Resume strictly after the last row returned, in the same order: stable even when new instances arrive.
            remaining = ordered.Where(r => r.CreatedAt.UtcTicks < ticks
                || (r.CreatedAt.UtcTicks == ticks && string.CompareOrdinal(r.InstanceId, afterId) > 0));
        }
        var page = remaining.Take(query.PageSize + 1).ToList();
        string? next = null;
        if (page.Count > query.PageSize)
        {
            page.RemoveAt(page.Count - 1);
            var last = page[^1];
            next = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{last.CreatedAt.UtcTicks.ToString(CultureInfo.InvariantCulture)}|{last.InstanceId}"));
        }
        return new OrchestrationQueryResult(page.Select(r => r.ToMetadata()).ToList(), next);
    }

    /// <summary>
    /// Sends an event to a running instance; it is in storage when this returns (so a crash does not lose it) and is delivered exactly once,
    /// kept until the orchestrator waits for it. Dropped if the instance has ended.
    /// </summary>
    /// <exception cref="InvalidOperationException">There is no such instance.</exception>
    public async Task RaiseEventAsync(string instanceId, string eventName, object? eventPayload = null, CancellationToken cancellationToken = default)
    {
        StorageNames.ValidateInstanceId(instanceId);
        ArgumentException.ThrowIfNullOrWhiteSpace(eventName);
        if (await RunningAsync(instanceId, cancellationToken).ConfigureAwait(false))
        {
            await _engine.SendAsync(instanceId, HistoryEventType.EventRaised, eventName,
                DurableRegistry.Serialize(eventPayload, _engine.Options.JsonSerializerOptions), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Waits until the instance is Completed, Failed or Terminated and returns its final state.</summary>
    /// <exception cref="InvalidOperationException">There is no such instance.</exception>
    public async Task<OrchestrationMetadata> WaitForInstanceCompletionAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        StorageNames.ValidateInstanceId(instanceId);
        while (true)
        {
            // Take the signal before reading the row: an end between the two is then seen by one or the other.
            var ended = _engine.EndedSignal(instanceId);
            var current = await GetInstanceAsync(instanceId, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"No orchestration instance with id '{instanceId}' exists.");
            if (current.IsCompleted)
            {
                return current;
            }
            await ended.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Ends a running instance with status Terminated; <paramref name="reason"/> becomes its output. The request is in storage when this
    /// returns, so it survives a crash. No effect on ended instances.
    /// </summary>
    /// <exception cref="InvalidOperationException">There is no such instance.</exception>
    public async Task TerminateInstanceAsync(string instanceId, object? reason = null, CancellationToken cancellationToken = default)
    {
        StorageNames.ValidateInstanceId(instanceId);
        if (await RunningAsync(instanceId, cancellationToken).ConfigureAwait(false))
        {
            await _engine.SendAsync(instanceId, HistoryEventType.ExecutionTerminated, null,
                DurableRegistry.Serialize(reason, _engine.Options.JsonSerializerOptions), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Deletes an ended instance's row, history and payloads; its id can then be scheduled again. False when it did not exist.</summary>
    /// <exception cref="InvalidOperationException">The instance is still running.</exception>
    public async Task<bool> PurgeInstanceAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        StorageNames.ValidateInstanceId(instanceId);
        var found = await _engine.Store.GetAsync(instanceId, cancellationToken).ConfigureAwait(false);
        if (found is null)
        {
            return false;
        }
        if (!found.Value.Record.Status.IsTerminal())
        {
            throw new InvalidOperationException($"Instance '{instanceId}' is {found.Value.Record.Status}; terminate it before purging.");
        }
        _engine.Forget(instanceId);
        await _engine.HistoryStore.DeleteAllAsync(instanceId, cancellationToken).ConfigureAwait(false);
        await _engine.Inbox.DeleteAllAsync(instanceId, cancellationToken).ConfigureAwait(false);
        await _engine.Store.DeleteAsync(instanceId, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private async Task<bool> RunningAsync(string instanceId, CancellationToken cancellationToken)
    {
        var found = await _engine.Store.GetAsync(instanceId, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"No orchestration instance with id '{instanceId}' exists.");
        return !found.Record.Status.IsTerminal();
    }

    private static (long Ticks, string InstanceId) ParseToken(string token)
    {
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(token));
            var bar = text.IndexOf('|', StringComparison.Ordinal);
            return (long.Parse(text[..bar], CultureInfo.InvariantCulture), text[(bar + 1)..]);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentOutOfRangeException)
        {
            throw new ArgumentException("The continuation token is not one this client issued.", nameof(token), ex);
        }
    }
}
