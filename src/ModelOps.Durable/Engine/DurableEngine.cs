using System.Collections.Concurrent;
using System.Threading.Channels;
using Azure;
using Azure.Core;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ModelOps.Durable;

/// <summary>
/// The local durable engine: runs registered orchestrations and activities against Azure Storage, event-sourced like the
/// Durable Task Framework. Start it, use <see cref="Client"/>, stop or dispose it. One engine per task hub at a time.
/// </summary>
public sealed class DurableEngine : IAsyncDisposable
{
    private const int New = 0, Running = 1, Draining = 2, Stopped = 3;
    private static long s_eventSequence;

    private readonly DurableEngineOptions _options;
    private readonly DurableRegistry _registry;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, InstanceRuntime> _live = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _ended = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Task, byte> _replays = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _activityWorkers = [];
    private Channel<ActivityWorkItem>? _activityQueue;
    private SemaphoreSlim? _orchestrationSlots;
    private InstanceStore? _instances;
    private HistoryStore? _history;
    private InboxStore? _inbox;
    private Task? _healthLoop;
    private int _state;
    private int _healthy;
    private int _armedTimers;

    public DurableEngine(DurableEngineOptions options, DurableRegistry registry, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(registry);
        _options = options;
        _registry = registry;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("ModelOps.Durable");
        Client = new DurableClient(this);
    }

    public DurableClient Client { get; }
    public bool IsRunning => Volatile.Read(ref _state) == Running;

    /// <summary>
    /// Whether storage is reachable: false as soon as a storage call fails for want of it (work then waits and retries with back-off),
    /// true again after one succeeds; probed every <see cref="DurableEngineOptions.StorageHealthCheckInterval"/>.
    /// </summary>
    public bool IsHealthy
    {
        get => Volatile.Read(ref _healthy) == 1;
        private set
        {
            var was = Interlocked.Exchange(ref _healthy, value ? 1 : 0);
            if (value && was == 0 && _state != New)
            {
                _logger.StorageReachable();
            }
        }
    }

    public DurableEngineOptions Options => _options;

    /// <summary>Creates and starts an engine.</summary>
    public static async Task<DurableEngine> StartAsync(DurableEngineOptions options, DurableRegistry registry,
        ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        var engine = new DurableEngine(options, registry, loggerFactory);
        try
        {
            await engine.StartAsync(cancellationToken).ConfigureAwait(false);
            return engine;
        }
        catch
        {
            await engine.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Validates options, creates the hub's storage, and resumes every unfinished instance from its history and inbox.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        var errors = _options.Validate();
        if (errors.Count > 0)
        {
            throw new InvalidOperationException("Invalid DurableEngineOptions: " + string.Join(" ", errors));
        }
        if (Interlocked.CompareExchange(ref _state, Running, New) != New)
        {
            throw new InvalidOperationException("A durable engine can be started once.");
        }
        var hub = _options.TaskHub;
        // Few, quick SDK retries: an outage must show in IsHealthy within seconds; the engine's own loop retries for as long as it lasts.
        var tables = new TableServiceClient(_options.StorageConnectionString, Quick(new TableClientOptions()));
        var blobs = new BlobServiceClient(_options.StorageConnectionString, Quick(new BlobClientOptions()));
        var table = tables.GetTableClient(StorageNames.InstancesTable(hub));
        var history = blobs.GetBlobContainerClient(StorageNames.HistoryContainer(hub));
        var payloads = blobs.GetBlobContainerClient(StorageNames.PayloadsContainer(hub));
        var inbox = blobs.GetBlobContainerClient(StorageNames.InboxContainer(hub));
        await table.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);
        await history.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await payloads.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await inbox.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        _instances = new InstanceStore(table, payloads);
        _history = new HistoryStore(history);
        _inbox = new InboxStore(inbox);
        // Bounded: a fan-out of any size waits here (holding its replay) instead of piling up tasks in memory.
        _activityQueue = Channel.CreateBounded<ActivityWorkItem>(new BoundedChannelOptions(_options.MaxConcurrentActivities)
        {
            FullMode = BoundedChannelFullMode.Wait,
        });
        for (var i = 0; i < _options.MaxConcurrentActivities; i++)
        {
            _activityWorkers.Add(Task.Run(ActivityWorkerAsync));
        }
        _orchestrationSlots = new SemaphoreSlim(_options.MaxConcurrentOrchestrations);
        IsHealthy = true;
        var resumed = await RecoverAsync(cancellationToken).ConfigureAwait(false);
        _healthLoop = Task.Run(HealthLoopAsync);
        _logger.EngineStarted(hub, resumed);
    }

    /// <summary>
    /// Graceful stop: no new instance or activity starts; activities already running get up to
    /// <see cref="DurableEngineOptions.GracefulStopTimeout"/> (or until <paramref name="cancellationToken"/>) to finish, and their results
    /// are recorded. Whatever is left is redone by the next engine on the hub.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.CompareExchange(ref _state, Draining, Running) != Running)
        {
            return;
        }
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.GracefulStopTimeout);
        // Queued activities are not started (workers skip them while draining); running ones finish and deliver their results.
        _activityQueue!.Writer.TryComplete();
        try
        {
            await Task.WhenAll(_activityWorkers).WaitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            _logger.ActivitiesAbandoned(_activityWorkers.Count(t => !t.IsCompleted));
        }
        // Let the replays that record those results finish; they take no new actions while draining.
        try
        {
            while (!_replays.IsEmpty)
            {
                await Task.WhenAll(_replays.Keys).WaitAsync(deadline.Token).ConfigureAwait(false);
            }
        }
        catch (Exception) when (deadline.IsCancellationRequested || _replays.Keys.Any(t => t.IsFaulted || t.IsCanceled))
        {
            // Left to the next engine: history is the truth, and it recovers from it.
        }
        Volatile.Write(ref _state, Stopped);
        await _stopping.CancelAsync().ConfigureAwait(false);
        _logger.EngineStopped(_options.TaskHub);
    }

    /// <summary>
    /// Abrupt stop, as a crash would be: activities are cancelled and their results dropped; only a replay already writing is let finish.
    /// The next engine on the same hub resumes from storage.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        Volatile.Write(ref _state, Stopped);
        await _stopping.CancelAsync().ConfigureAwait(false);
        _activityQueue?.Writer.TryComplete();
        try
        {
            // Activities are not awaited: one that ignores cancellation must not hold up a crash-like stop.
            await Task.WhenAll(_replays.Keys).ConfigureAwait(false);
            if (_healthLoop is { } loop)
            {
                await loop.ConfigureAwait(false);
            }
        }
        catch (Exception)
        {
            // Logged where it happened; none of it matters once stopped.
        }
        _stopping.Dispose();
        _orchestrationSlots?.Dispose();
    }

    /// <summary>Probes storage; updates <see cref="IsHealthy"/>.</summary>
    public async Task<bool> CheckHealthAsync(CancellationToken cancellationToken = default)
    {
        var store = Store;
        try
        {
            await foreach (var _ in store.Table.QueryAsync<TableEntity>(maxPerPage: 1, select: ["PartitionKey"], cancellationToken: cancellationToken)
                .AsPages().ConfigureAwait(false))
            {
                break;
            }
            return IsHealthy = true;
        }
        catch (Exception ex) when (IsTransient(ex) && !cancellationToken.IsCancellationRequested)
        {
            return IsHealthy = false;
        }
    }

    internal InstanceStore Store => _instances ?? throw new InvalidOperationException("The durable engine has not been started.");
    internal HistoryStore HistoryStore => _history ?? throw new InvalidOperationException("The durable engine has not been started.");
    internal InboxStore Inbox => _inbox ?? throw new InvalidOperationException("The durable engine has not been started.");
    internal DurableRegistry Registry => _registry;

    /// <summary>How many durable timers have been armed on the <see cref="TimeProvider"/> so far: virtual-time tests advance once one is.</summary>
    internal int TimersArmed => Volatile.Read(ref _armedTimers);

    /// <summary>Activities queued and not yet started; never more than <see cref="DurableEngineOptions.MaxConcurrentActivities"/>.</summary>
    internal int QueuedActivities => _activityQueue?.Reader.Count ?? 0;

    /// <summary>The live instance, for tests that look at the in-memory state.</summary>
    internal InstanceRuntime? LiveInstance(string instanceId) => _live.GetValueOrDefault(instanceId);

    private bool Accepting => Volatile.Read(ref _state) is Running or Draining;
    private DateTime UtcNow => _options.TimeProvider.GetUtcNow().UtcDateTime;

    private static T Quick<T>(T options) where T : ClientOptions
    {
        options.Retry.MaxRetries = 2;
        options.Retry.Delay = TimeSpan.FromMilliseconds(100);
        options.Retry.MaxDelay = TimeSpan.FromSeconds(1);
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(30);
        return options;
    }

    internal async Task<string> CreateInstanceAsync(string instanceId, string name, string? version, string? input, string? parentId,
        int parentTaskId, IReadOnlyCollection<OrchestrationRuntimeStatus> dedupeStatuses, CancellationToken cancellationToken)
    {
        if (!IsRunning)
        {
            throw new InvalidOperationException("The durable engine is not running.");
        }
        var now = _options.TimeProvider.GetUtcNow();
        var record = new InstanceRecord(instanceId, name, OrchestrationRuntimeStatus.Pending, now, now, NewExecutionId(), input,
            ParentInstanceId: parentId, ParentTaskId: parentTaskId, Version: version ?? _registry.LatestVersion(name) ?? "");
        ETag etag;
        try
        {
            // The insert is the durable "start" message: if we crash before the first replay, recovery starts it from this row.
            etag = await Store.CreateAsync(record, cancellationToken).ConfigureAwait(false);
        }
        catch (OrchestrationAlreadyExistsException) when (!StartOrchestrationOptions.EndedStatuses.All(dedupeStatuses.Contains))
        {
            (record, etag) = await ReplaceEndedAsync(record, dedupeStatuses, cancellationToken).ConfigureAwait(false);
        }
        _live[instanceId] = new InstanceRuntime(record, etag, [], 0);
        _logger.InstanceScheduled(name, instanceId);
        Deliver(instanceId, new HistoryEvent(HistoryEventType.ExecutionStarted, now.UtcDateTime, Name: name, Payload: input));
        return instanceId;
    }

    /// <summary>Singleton start over an ended instance: the row is swapped under its ETag (so two racing starts make one), then the old history goes.</summary>
    private async Task<(InstanceRecord, ETag)> ReplaceEndedAsync(InstanceRecord fresh, IReadOnlyCollection<OrchestrationRuntimeStatus> dedupeStatuses,
        CancellationToken cancellationToken)
    {
        var id = fresh.InstanceId;
        var found = await Store.GetAsync(id, cancellationToken).ConfigureAwait(false)
            ?? throw new OrchestrationAlreadyExistsException(id); // purged in between: let the caller try again
        var (old, oldETag) = found;
        if (!old.Status.IsTerminal() || dedupeStatuses.Contains(old.Status))
        {
            throw new OrchestrationAlreadyExistsException(id);
        }
        // Messages left for the ended instance must not reach the new one.
        await Inbox.DeleteAllAsync(id, cancellationToken).ConfigureAwait(false);
        var record = fresh with { Revision = old.Revision + 1 };
        ETag etag;
        try
        {
            etag = await Store.UpdateAsync(record, oldETag, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 412)
        {
            throw new OrchestrationAlreadyExistsException(id);
        }
        _live.TryRemove(id, out _);
        await HistoryStore.DeleteExecutionAsync(id, old.ExecutionId, cancellationToken).ConfigureAwait(false);
        _logger.InstanceReplaced(id, old.Status);
        return (record, etag);
    }

    /// <summary>A raised event or terminate request as an inbox message: written to storage first, then handed to the live instance.</summary>
    internal async Task SendAsync(string instanceId, HistoryEventType type, string? name, string? payload, CancellationToken cancellationToken)
    {
        var now = _options.TimeProvider.GetUtcNow();
        // Sortable: recovery replays waiting messages in the order they were sent.
        var eventId = $"{now.UtcTicks:D19}{Interlocked.Increment(ref s_eventSequence):D10}-{Guid.NewGuid():N}";
        var message = new HistoryEvent(type, now.UtcDateTime, Name: name, Payload: payload, EventId: eventId);
        await Inbox.AddAsync(instanceId, message, cancellationToken).ConfigureAwait(false);
        Deliver(instanceId, message);
    }

    /// <summary>A task that completes when the instance next reaches a terminal status in this engine.</summary>
    internal Task EndedSignal(string instanceId) =>
        _ended.GetOrAdd(instanceId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    internal void Forget(string instanceId) => _live.TryRemove(instanceId, out _);

    /// <summary>
    /// Queues <paramref name="e"/> for the instance's next replay. <paramref name="executionId"/>, when given, is the execution that asked for
    /// the outcome: a result for an execution that has since continued as new is dropped rather than matched to the new one's task ids.
    /// </summary>
    private void Deliver(string instanceId, HistoryEvent e, string? executionId = null)
    {
        if (!Accepting || !_live.TryGetValue(instanceId, out var runtime))
        {
            _logger.EventDropped(e.Type, instanceId);
            return;
        }
        lock (runtime)
        {
            if (runtime.Done || (executionId is not null && executionId != runtime.Record.ExecutionId)
                || (e.EventId is { } eventId && !runtime.SeenEventIds.Add(eventId)))
            {
                _logger.EventDropped(e.Type, instanceId);
                return;
            }
            runtime.Inbox.Add(e);
            if (runtime.Processing)
            {
                return; // the running loop picks it up in its next batch
            }
            runtime.Processing = true;
        }
        TrackReplay(Task.Run(() => ProcessAsync(runtime)));
    }

    private void TrackReplay(Task task)
    {
        _replays.TryAdd(task, 0);
        task.ContinueWith(t => _replays.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Drains the instance's inbox, one batch per replay, until it is empty: the per-instance serialisation point.</summary>
    private async Task ProcessAsync(InstanceRuntime runtime)
    {
        while (true)
        {
            List<HistoryEvent> batch;
            lock (runtime)
            {
                if (runtime.Inbox.Count == 0 || runtime.Done || !Accepting)
                {
                    runtime.Processing = false;
                    return;
                }
                batch = runtime.Inbox;
                runtime.Inbox = [];
            }
            try
            {
                await _orchestrationSlots!.WaitAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            try
            {
                await RunEpisodeAsync(runtime, batch).ConfigureAwait(false);
            }
            catch (RequestFailedException ex) when (ex.Status == 412)
            {
                _logger.InstanceLost(runtime.InstanceId);
                Retire(runtime);
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                return; // hard stop while waiting for storage: the next engine recovers from what was persisted
            }
            catch (Exception ex) when (Accepting)
            {
                // A bug or a non-transient storage answer: stop driving the instance rather than risk writing its history twice.
                // It stays Running in storage, and the next engine resumes it from its history.
                _logger.EpisodeFailed(ex, runtime.InstanceId);
                Retire(runtime);
            }
            finally
            {
                _orchestrationSlots.Release();
            }
        }
    }

    private void Retire(InstanceRuntime runtime)
    {
        lock (runtime)
        {
            runtime.Done = true;
            runtime.Processing = false;
        }
        _live.TryRemove(new KeyValuePair<string, InstanceRuntime>(runtime.InstanceId, runtime));
    }

    private async Task RunEpisodeAsync(InstanceRuntime runtime, List<HistoryEvent> batch)
    {
        var record = runtime.Record;
        if (!_registry.TryGetOrchestrator(record.Name, record.Version, out var orchestrator))
        {
            // A fresh instance of an unknown name fails at once (a typo); anything else waits for a host that has its code.
            if (runtime.History.Count > 0 || _registry.LatestVersion(record.Name) is not null)
            {
                await ParkAsync(runtime).ConfigureAwait(false);
                return;
            }
            orchestrator = null;
        }
        var now = UtcNow;
        List<HistoryEvent> newEvents = [new HistoryEvent(HistoryEventType.OrchestratorStarted, now), .. batch];
        var result = OrchestrationExecutor.Execute(record.InstanceId, record.Name, orchestrator, runtime.History, newEvents,
            _options.JsonSerializerOptions);
        _logger.Replayed(record.InstanceId, runtime.History.Count, batch.Count, result.NewActions.Count, result.Status);

        // History first: it is the truth. Retried until storage answers; the append is conditional on the blob's length,
        // so a retry after a lost answer does not write the events twice.
        runtime.HistoryBytes = await WithStorageRetryAsync("append history", ct =>
            HistoryStore.AppendAsync(record.InstanceId, record.ExecutionId, result.NewHistory, runtime.HistoryBytes, ct)).ConfigureAwait(false);
        runtime.History.AddRange(result.NewHistory);

        // Inbox messages now in history can go; a crash before this is caught by recovery, which skips ids already in history.
        foreach (var consumed in batch.Where(e => e.EventId is not null))
        {
            await WithStorageRetryAsync("delete inbox message", async ct =>
            {
                await Inbox.DeleteAsync(record.InstanceId, consumed.EventId!, ct).ConfigureAwait(false);
                return 0;
            }).ConfigureAwait(false);
        }

        await ApplyOutcomeAsync(runtime, result.Status, result.Output, result.Failure, result.CustomStatus, result.ContinueAsNewInput)
            .ConfigureAwait(false);

        foreach (var action in result.NewActions)
        {
            await DispatchAsync(runtime, action).ConfigureAwait(false);
        }
    }

    /// <summary>Leaves an instance whose orchestrator version this host lacks exactly as it is, with the reason on its row.</summary>
    private async Task ParkAsync(InstanceRuntime runtime)
    {
        var record = runtime.Record;
        var reason = ParkReason(record);
        if (record.Note != reason)
        {
            await UpdateRowAsync(runtime, record with { Note = reason }).ConfigureAwait(false);
        }
        _logger.InstanceParked(record.InstanceId, reason);
        Retire(runtime);
    }

    private string ParkReason(InstanceRecord record)
    {
        var known = _registry.Versions(record.Name);
        var have = known.Count == 0 ? "none" : string.Join(", ", known.Select(v => $"'{v}'"));
        return $"Waiting for a host that registers orchestrator '{record.Name}' version '{record.Version}' (this host has: {have}); " +
            "the instance is not replayed against another version and resumes when an engine with that version starts on this hub.";
    }

    private async Task ApplyOutcomeAsync(InstanceRuntime runtime, OrchestrationRuntimeStatus status, string? output,
        TaskFailureDetails? failure, string? customStatus, string? continueAsNewInput)
    {
        var record = runtime.Record;
        var now = _options.TimeProvider.GetUtcNow();
        if (status == OrchestrationRuntimeStatus.ContinuedAsNew)
        {
            // A new execution: fresh history blob, new input; the row shows it as running again.
            await UpdateRowAsync(runtime, record with
            {
                Status = OrchestrationRuntimeStatus.Running, LastUpdatedAt = now, ExecutionId = NewExecutionId(),
                Input = continueAsNewInput, Output = null, Failure = null, CustomStatus = customStatus, Note = null,
            }).ConfigureAwait(false);
            lock (runtime)
            {
                runtime.History = [];
                runtime.HistoryBytes = 0;
                runtime.Inbox.Insert(0, new HistoryEvent(HistoryEventType.ExecutionStarted, now.UtcDateTime, Name: record.Name, Payload: continueAsNewInput));
            }
            // The finished execution is never read again: deleting it keeps an eternal orchestration's storage flat. Off the
            // replay's path (it is only housekeeping), but tracked so a stop waits for it.
            TrackReplay(DeleteQuietlyAsync(ct => HistoryStore.DeleteExecutionAsync(record.InstanceId, record.ExecutionId, ct)));
            return;
        }

        await UpdateRowAsync(runtime, record with
        {
            Status = status, LastUpdatedAt = now, Output = output, Failure = failure, CustomStatus = customStatus, Note = null,
        }).ConfigureAwait(false);
        if (!status.IsTerminal())
        {
            return;
        }

        lock (runtime)
        {
            runtime.Done = true;
        }
        _live.TryRemove(record.InstanceId, out _);
        if (failure is not null)
        {
            _logger.InstanceFailed(record.Name, record.InstanceId, failure);
        }
        _logger.InstanceEnded(record.Name, record.InstanceId, status);
        if (_ended.TryRemove(record.InstanceId, out var signal))
        {
            signal.TrySetResult();
        }
        NotifyParent(runtime.Record);
        // Events that arrived too late for the instance would otherwise wait forever.
        await DeleteQuietlyAsync(ct => Inbox.DeleteAllAsync(record.InstanceId, ct)).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes the row under its ETag, retrying while storage is unreachable. A 412 after a try whose answer was lost is told apart
    /// from another writer by the row's revision.
    /// </summary>
    private async Task UpdateRowAsync(InstanceRuntime runtime, InstanceRecord next)
    {
        next = next with { Revision = runtime.Record.Revision + 1 };
        var etag = await WithStorageRetryAsync("update instance", async ct =>
        {
            try
            {
                return await Store.UpdateAsync(next, runtime.ETag, ct).ConfigureAwait(false);
            }
            catch (RequestFailedException ex) when (ex.Status == 412)
            {
                if (await Store.GetAsync(next.InstanceId, ct).ConfigureAwait(false) is { } row
                    && row.Record.Revision == next.Revision && row.Record.ExecutionId == next.ExecutionId)
                {
                    return row.ETag;
                }
                throw;
            }
        }).ConfigureAwait(false);
        runtime.Record = next;
        runtime.ETag = etag;
    }

    private async Task DeleteQuietlyAsync(Func<CancellationToken, Task> delete)
    {
        try
        {
            await delete(_stopping.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsTransient(ex) || ex is OperationCanceledException)
        {
            // Housekeeping only: leftovers are harmless and go with a purge.
        }
    }

    /// <summary>
    /// Runs a storage call until it succeeds, backing off while storage is unreachable (IsHealthy false meanwhile). Only a hard stop ends
    /// the wait; answers that are not about reachability (404, 409, 412...) go to the caller.
    /// </summary>
    private async Task<T> WithStorageRetryAsync<T>(string what, Func<CancellationToken, Task<T>> call)
    {
        var delay = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            try
            {
                var result = await call(_stopping.Token).ConfigureAwait(false);
                IsHealthy = true;
                return result;
            }
            catch (Exception ex) when (IsTransient(ex) && !_stopping.IsCancellationRequested)
            {
                if (IsHealthy)
                {
                    _logger.StorageUnreachable(ex, what);
                }
                IsHealthy = false;
            }
            // Wall-clock back-off on purpose: an outage happens in real time even when orchestrations run on virtual time.
            await Task.Delay(delay, TimeProvider.System, _stopping.Token).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(2).Ticks));
        }
    }

    /// <summary>Failures that mean "storage did not answer" rather than "storage said no".</summary>
    internal static bool IsTransient(Exception ex) => ex switch
    {
        RequestFailedException r => r.Status is 0 or 408 or 429 or >= 500,
        AggregateException a => a.InnerExceptions.All(IsTransient),
        HttpRequestException or IOException or TimeoutException or System.Net.Sockets.SocketException => true,
        TaskCanceledException => true, // the SDK's network timeout
        _ => false,
    };

    private async Task HealthLoopAsync()
    {
        try
        {
            while (!_stopping.IsCancellationRequested)
            {
                await Task.Delay(_options.StorageHealthCheckInterval, TimeProvider.System, _stopping.Token).ConfigureAwait(false);
                await CheckHealthAsync(_stopping.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // stopped
        }
    }

    private void NotifyParent(InstanceRecord child)
    {
        if (child.ParentInstanceId is not { } parent)
        {
            return;
        }
        var now = UtcNow;
        Deliver(parent, child.Status == OrchestrationRuntimeStatus.Completed
            ? new HistoryEvent(HistoryEventType.SubOrchestrationCompleted, now, child.ParentTaskId, Payload: child.Output)
            : new HistoryEvent(HistoryEventType.SubOrchestrationFailed, now, child.ParentTaskId,
                Failure: child.Failure ?? new TaskFailureDetails("Terminated", $"Sub-orchestration '{child.InstanceId}' was terminated.", null, null)));
    }

    /// <summary>Starts an action's work. Only while running: a draining engine leaves new actions in history for the next one.</summary>
    private async Task DispatchAsync(InstanceRuntime runtime, HistoryEvent action)
    {
        if (!IsRunning)
        {
            return;
        }
        var executionId = runtime.Record.ExecutionId;
        switch (action.Type)
        {
            case HistoryEventType.TaskScheduled:
                try
                {
                    // Waits while the queue is full: back-pressure on the replay that fans out.
                    await _activityQueue!.Writer.WriteAsync(new ActivityWorkItem(runtime.InstanceId, executionId, action), _stopping.Token)
                        .ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is ChannelClosedException or OperationCanceledException)
                {
                    // Stopping: the action is in history, so the next engine dispatches it.
                }
                break;
            case HistoryEventType.TimerCreated:
                // Timers are not awaited by a stop: a graceful stop must not wait hours for one; the next engine re-arms it.
                _ = FireTimerAsync(runtime.InstanceId, executionId, action);
                break;
            case HistoryEventType.SubOrchestrationCreated:
                _ = StartChildAsync(runtime.InstanceId, action);
                break;
        }
    }

    private async Task ActivityWorkerAsync()
    {
        var reader = _activityQueue!.Reader;
        try
        {
            while (await reader.WaitToReadAsync(_stopping.Token).ConfigureAwait(false))
            {
                while (reader.TryRead(out var item))
                {
                    if (IsRunning)
                    {
                        await RunActivityAsync(item).ConfigureAwait(false);
                    }
                    // else draining: queued but not started, so left to the next engine (it is in history).
                }
            }
        }
        catch (OperationCanceledException)
        {
            // hard stop
        }
    }

    private async Task RunActivityAsync(ActivityWorkItem item)
    {
        var (instanceId, executionId, scheduled) = item;
        var name = scheduled.Name ?? "";
        HistoryEvent outcome;
        if (!_registry.TryGetActivity(name, out var activity))
        {
            outcome = new HistoryEvent(HistoryEventType.TaskFailed, UtcNow, scheduled.TaskId, name, Failure: new TaskFailureDetails(
                typeof(InvalidOperationException).FullName!, $"No activity named '{name}' is registered.", null, null));
        }
        else
        {
            try
            {
                var context = new ActivityContext(name, instanceId, scheduled.TaskId, scheduled.Payload, _options.JsonSerializerOptions, _stopping.Token);
                // Off the worker's thread: a synchronous activity still lets the awaiting (and a hard stop) go on.
                var output = await Task.Run(() => activity(context, _options.JsonSerializerOptions)).ConfigureAwait(false);
                outcome = new HistoryEvent(HistoryEventType.TaskCompleted, UtcNow, scheduled.TaskId, name, output);
            }
            catch (Exception) when (_stopping.IsCancellationRequested)
            {
                return; // hard stop mid-activity: not recorded, so the next engine runs it again (at least once)
            }
            catch (Exception ex)
            {
                _logger.ActivityFailed(name, scheduled.TaskId, instanceId, ex.Message);
                outcome = new HistoryEvent(HistoryEventType.TaskFailed, UtcNow, scheduled.TaskId, name, Failure: TaskFailureDetails.FromException(ex));
            }
        }
        Deliver(instanceId, outcome, executionId);
    }

    private async Task FireTimerAsync(string instanceId, string executionId, HistoryEvent created)
    {
        var fireAt = created.FireAt ?? UtcNow;
        var due = fireAt - UtcNow;
        try
        {
            if (due > TimeSpan.Zero)
            {
                var delay = Task.Delay(due, _options.TimeProvider, _stopping.Token);
                // Counted once the delay is registered with the clock, so a test that sees it may advance virtual time past it.
                Interlocked.Increment(ref _armedTimers);
                await delay.ConfigureAwait(false);
            }
            Deliver(instanceId, new HistoryEvent(HistoryEventType.TimerFired, UtcNow, created.TaskId, FireAt: fireAt), executionId);
        }
        catch (OperationCanceledException)
        {
            // stopped
        }
        catch (ObjectDisposedException)
        {
            // stopped
        }
    }

    private async Task StartChildAsync(string parentId, HistoryEvent created)
    {
        var childId = created.InstanceId ?? $"{parentId}:{created.TaskId}";
        try
        {
            await CreateInstanceAsync(childId, created.Name ?? "", null, created.Payload, parentId, created.TaskId,
                StartOrchestrationOptions.EndedStatuses, CancellationToken.None).ConfigureAwait(false);
        }
        catch (OrchestrationAlreadyExistsException)
        {
            // Re-dispatched after a restart: the child may exist already, and may even have finished.
            var existing = await Store.GetAsync(childId, CancellationToken.None).ConfigureAwait(false);
            if (existing is { Record: var child } && child.ParentInstanceId == parentId && child.ParentTaskId == created.TaskId)
            {
                if (child.Status.IsTerminal())
                {
                    NotifyParent(child);
                }
                return;
            }
            Deliver(parentId, new HistoryEvent(HistoryEventType.SubOrchestrationFailed, UtcNow, created.TaskId, created.Name,
                Failure: TaskFailureDetails.FromException(new OrchestrationAlreadyExistsException(childId))));
        }
        catch (Exception ex) when (!IsRunning || IsTransient(ex))
        {
            // Stopped, or storage away: the action is in history, and the next engine (or recovery) re-dispatches it.
        }
    }

    /// <summary>
    /// Brings every Pending/Running instance back: re-dispatches open activities, re-arms timers, delivers inbox messages not yet in history,
    /// repairs rows behind history, and leaves alone (with a note) instances whose orchestrator version this host lacks.
    /// </summary>
    private async Task<int> RecoverAsync(CancellationToken cancellationToken)
    {
        var filter = string.Join(" or ",
            new[] { OrchestrationRuntimeStatus.Pending, OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.ContinuedAsNew }
                .Select(s => $"RuntimeStatus eq '{s}'"));
        var unfinished = await Store.QueryAsync(filter, cancellationToken).ConfigureAwait(false);
        var waiting = await Inbox.ReadAllAsync(cancellationToken).ConfigureAwait(false);
        foreach (var (record, etag) in unfinished)
        {
            var (history, bytes) = await HistoryStore.ReadAsync(record.InstanceId, record.ExecutionId, cancellationToken).ConfigureAwait(false);
            var runtime = new InstanceRuntime(record, etag, history, bytes);
            if (!_registry.TryGetOrchestrator(record.Name, record.Version, out _))
            {
                runtime.Processing = true; // nothing may replay it meanwhile
                await ParkAsync(runtime).ConfigureAwait(false);
                continue;
            }
            _live[record.InstanceId] = runtime;
            var messages = waiting.GetValueOrDefault(record.InstanceId) ?? [];
            foreach (var done in messages.Where(m => runtime.SeenEventIds.Contains(m.EventId!)))
            {
                // Applied before the crash, deleted after it: finish the delete.
                await Inbox.DeleteAsync(record.InstanceId, done.EventId!, cancellationToken).ConfigureAwait(false);
            }
            if (history.Count == 0)
            {
                Deliver(record.InstanceId, new HistoryEvent(HistoryEventType.ExecutionStarted, UtcNow, Name: record.Name, Payload: record.Input));
                DeliverWaiting(runtime, messages);
                continue;
            }
            if (await RepairEndedAsync(runtime).ConfigureAwait(false))
            {
                DeliverWaiting(runtime, messages); // to the execution a ContinueAsNew started; dropped if the instance ended
                continue;
            }
            var outcomes = history
                .Where(e => e.Type is HistoryEventType.TaskCompleted or HistoryEventType.TaskFailed or HistoryEventType.TimerFired
                    or HistoryEventType.SubOrchestrationCompleted or HistoryEventType.SubOrchestrationFailed)
                .Select(e => e.TaskId)
                .ToHashSet();
            var open = history
                .Where(e => e.Type is HistoryEventType.TaskScheduled or HistoryEventType.TimerCreated or HistoryEventType.SubOrchestrationCreated)
                .Where(e => !outcomes.Contains(e.TaskId))
                .ToList();
            // In the background: a full activity queue must not hold up StartAsync.
            TrackReplay(Task.Run(async () =>
            {
                foreach (var action in open)
                {
                    await DispatchAsync(runtime, action).ConfigureAwait(false);
                }
            }));
            DeliverWaiting(runtime, messages);
            _logger.Recovered(record.InstanceId, history.Count,
                open.Count(e => e.Type == HistoryEventType.TaskScheduled), open.Count(e => e.Type == HistoryEventType.TimerCreated));
        }
        return unfinished.Count;
    }

    private void DeliverWaiting(InstanceRuntime runtime, List<HistoryEvent> messages)
    {
        foreach (var message in messages)
        {
            Deliver(runtime.InstanceId, message); // ids already in history are skipped by Deliver
        }
    }

    /// <summary>A crash between the history append and the row update leaves the row behind: finish it from the last history event.</summary>
    private async Task<bool> RepairEndedAsync(InstanceRuntime runtime)
    {
        var last = runtime.History[^1];
        var status = last.Type switch
        {
            HistoryEventType.ExecutionCompleted => OrchestrationRuntimeStatus.Completed,
            HistoryEventType.ExecutionFailed => OrchestrationRuntimeStatus.Failed,
            HistoryEventType.ExecutionTerminated => OrchestrationRuntimeStatus.Terminated,
            HistoryEventType.ContinuedAsNew => OrchestrationRuntimeStatus.ContinuedAsNew,
            _ => (OrchestrationRuntimeStatus?)null,
        };
        if (status is not { } s)
        {
            return false;
        }
        runtime.Processing = true;
        await ApplyOutcomeAsync(runtime, s, last.Payload, last.Failure, runtime.Record.CustomStatus, last.Payload).ConfigureAwait(false);
        lock (runtime)
        {
            runtime.Processing = false;
        }
        if (s == OrchestrationRuntimeStatus.ContinuedAsNew)
        {
            TrackReplay(Task.Run(() => ProcessAsync(RestartProcessing(runtime))));
        }
        return true;
    }

    private static InstanceRuntime RestartProcessing(InstanceRuntime runtime)
    {
        lock (runtime)
        {
            runtime.Processing = true;
        }
        return runtime;
    }

    private static string NewExecutionId() => Guid.NewGuid().ToString("N");

    /// <summary>An activity to run for one execution of an instance.</summary>
    private readonly record struct ActivityWorkItem(string InstanceId, string ExecutionId, HistoryEvent Scheduled);
}
