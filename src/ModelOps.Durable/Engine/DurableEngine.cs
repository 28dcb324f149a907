using System.Collections.Concurrent;
using Azure;
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
    private readonly DurableEngineOptions _options;
    private readonly DurableRegistry _registry;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, InstanceRuntime> _live = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _ended = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Task, byte> _work = new();
    private readonly ConcurrentDictionary<Task, byte> _replays = new();
    private readonly CancellationTokenSource _stopping = new();
    private SemaphoreSlim? _activitySlots;
    private SemaphoreSlim? _orchestrationSlots;
    private InstanceStore? _instances;
    private HistoryStore? _history;
    private int _state; // 0 new, 1 started, 2 stopped

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
    public bool IsRunning => Volatile.Read(ref _state) == 1;

    /// <summary>False once a storage call has failed, true again after one succeeds: whether storage is reachable.</summary>
    public bool IsHealthy { get; private set; }

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

    /// <summary>Validates options, creates the hub's storage, and resumes every unfinished instance from its history.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        var errors = _options.Validate();
        if (errors.Count > 0)
        {
            throw new InvalidOperationException("Invalid DurableEngineOptions: " + string.Join(" ", errors));
        }
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
        {
            throw new InvalidOperationException("A durable engine can be started once.");
        }
        var hub = _options.TaskHub;
        var tables = new TableServiceClient(_options.StorageConnectionString);
        var blobs = new BlobServiceClient(_options.StorageConnectionString);
        var table = tables.GetTableClient(StorageNames.InstancesTable(hub));
        var history = blobs.GetBlobContainerClient(StorageNames.HistoryContainer(hub));
        var payloads = blobs.GetBlobContainerClient(StorageNames.PayloadsContainer(hub));
        await table.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);
        await history.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await payloads.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        _instances = new InstanceStore(table, payloads);
        _history = new HistoryStore(history);
        _activitySlots = new SemaphoreSlim(_options.MaxConcurrentActivities);
        _orchestrationSlots = new SemaphoreSlim(_options.MaxConcurrentOrchestrations);
        IsHealthy = true;
        var resumed = await RecoverAsync(cancellationToken).ConfigureAwait(false);
        _logger.EngineStarted(hub, resumed);
    }

    /// <summary>Graceful stop: no new work starts; replays and running activities are awaited until <paramref name="cancellationToken"/> fires.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _state, 2) != 1)
        {
            return;
        }
        try
        {
            await Task.WhenAll(_work.Keys).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested || _work.Keys.Any(t => t.IsFaulted || t.IsCanceled))
        {
            // Whatever did not finish is redone by the next engine: activities run at least once.
        }
        await _stopping.CancelAsync().ConfigureAwait(false);
        _logger.EngineStopped(_options.TaskHub);
    }

    /// <summary>
    /// Abrupt stop, as a crash would be: activities are cancelled and their results dropped; only a replay already writing is let finish.
    /// The next engine on the same hub resumes from storage.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        Interlocked.Exchange(ref _state, 2);
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            // Activities are not awaited: one that ignores cancellation must not hold up a crash-like stop.
            await Task.WhenAll(_replays.Keys).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Logged where it happened; none of it matters once stopped.
        }
        _stopping.Dispose();
        _activitySlots?.Dispose();
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
        catch (RequestFailedException)
        {
            return IsHealthy = false;
        }
        catch (HttpRequestException)
        {
            return IsHealthy = false;
        }
    }

    internal InstanceStore Store => _instances ?? throw new InvalidOperationException("The durable engine has not been started.");
    internal HistoryStore HistoryStore => Histories;
    private HistoryStore Histories => _history ?? throw new InvalidOperationException("The durable engine has not been started.");
    private DateTime UtcNow => _options.TimeProvider.GetUtcNow().UtcDateTime;

    internal async Task<string> CreateInstanceAsync(string instanceId, string name, string? input, string? parentId, int parentTaskId,
        CancellationToken cancellationToken)
    {
        if (!IsRunning)
        {
            throw new InvalidOperationException("The durable engine is not running.");
        }
        var now = _options.TimeProvider.GetUtcNow();
        var record = new InstanceRecord(instanceId, name, OrchestrationRuntimeStatus.Pending, now, now, NewExecutionId(), input,
            ParentInstanceId: parentId, ParentTaskId: parentTaskId);
        // The insert is the durable "start" message: if we crash before the first replay, recovery starts it from this row.
        var etag = await Store.CreateAsync(record, cancellationToken).ConfigureAwait(false);
        _live[instanceId] = new InstanceRuntime(record, etag, []);
        _logger.InstanceScheduled(name, instanceId);
        Deliver(instanceId, new HistoryEvent(HistoryEventType.ExecutionStarted, now.UtcDateTime, Name: name, Payload: input));
        return instanceId;
    }

    internal bool IsLive(string instanceId) => _live.ContainsKey(instanceId);

    internal void RaiseEvent(string instanceId, string name, string? payload) =>
        Deliver(instanceId, new HistoryEvent(HistoryEventType.EventRaised, UtcNow, Name: name, Payload: payload));

    internal void Terminate(string instanceId, string? reason) =>
        Deliver(instanceId, new HistoryEvent(HistoryEventType.ExecutionTerminated, UtcNow, Payload: reason));

    /// <summary>A task that completes when the instance next reaches a terminal status in this engine.</summary>
    internal Task EndedSignal(string instanceId) =>
        _ended.GetOrAdd(instanceId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    internal void Forget(string instanceId) => _live.TryRemove(instanceId, out _);

    private void Deliver(string instanceId, HistoryEvent e)
    {
        if (!IsRunning || !_live.TryGetValue(instanceId, out var runtime))
        {
            _logger.EventDropped(e.Type, instanceId);
            return;
        }
        lock (runtime)
        {
            if (runtime.Done)
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

    private void Track(Task task)
    {
        _work.TryAdd(task, 0);
        task.ContinueWith(t => _work.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private void TrackReplay(Task task)
    {
        Track(task);
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
                if (runtime.Inbox.Count == 0 || runtime.Done || !IsRunning)
                {
                    runtime.Processing = false;
                    return;
                }
                batch = runtime.Inbox;
                runtime.Inbox = [];
            }
            await _orchestrationSlots!.WaitAsync(CancellationToken.None).ConfigureAwait(false);
            try
            {
                await RunEpisodeAsync(runtime, batch).ConfigureAwait(false);
            }
            catch (RequestFailedException ex) when (ex.Status == 412)
            {
                _logger.InstanceLost(runtime.InstanceId);
                lock (runtime)
                {
                    runtime.Done = true;
                }
                _live.TryRemove(runtime.InstanceId, out _);
            }
            catch (Exception ex) when (IsRunning)
            {
                IsHealthy = false;
                _logger.EpisodeFailed(ex, runtime.InstanceId);
                lock (runtime)
                {
                    runtime.Inbox.InsertRange(0, batch);
                }
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), _options.TimeProvider, _stopping.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // stopping
                }
            }
            finally
            {
                _orchestrationSlots.Release();
            }
        }
    }

    private async Task RunEpisodeAsync(InstanceRuntime runtime, List<HistoryEvent> batch)
    {
        var record = runtime.Record;
        _registry.TryGetOrchestrator(record.Name, out var orchestrator);
        var now = UtcNow;
        List<HistoryEvent> newEvents = [new HistoryEvent(HistoryEventType.OrchestratorStarted, now), .. batch];
        var result = OrchestrationExecutor.Execute(record.InstanceId, record.Name, orchestrator, runtime.History, newEvents,
            _options.JsonSerializerOptions);
        _logger.Replayed(record.InstanceId, runtime.History.Count, batch.Count, result.NewActions.Count, result.Status);

        // History first, row second: history is the truth; a row behind it is repaired on recovery.
        await Histories.AppendAsync(record.InstanceId, record.ExecutionId, result.NewHistory, create: runtime.History.Count == 0,
            CancellationToken.None).ConfigureAwait(false);
        runtime.History.AddRange(result.NewHistory);
        IsHealthy = true;

        await ApplyOutcomeAsync(runtime, result.Status, result.Output, result.Failure, result.CustomStatus, result.ContinueAsNewInput)
            .ConfigureAwait(false);

        foreach (var action in result.NewActions)
        {
            Dispatch(runtime, action);
        }
    }

    private async Task ApplyOutcomeAsync(InstanceRuntime runtime, OrchestrationRuntimeStatus status, string? output,
        TaskFailureDetails? failure, string? customStatus, string? continueAsNewInput)
    {
        var record = runtime.Record;
        var now = _options.TimeProvider.GetUtcNow();
        if (status == OrchestrationRuntimeStatus.ContinuedAsNew)
        {
            // A new execution: fresh history blob, new input; the row shows it as running again.
            runtime.Record = record with
            {
                Status = OrchestrationRuntimeStatus.Running, LastUpdatedAt = now, ExecutionId = NewExecutionId(),
                Input = continueAsNewInput, Output = null, Failure = null, CustomStatus = customStatus,
            };
            runtime.History = [];
            runtime.ETag = await Store.UpdateAsync(runtime.Record, runtime.ETag, CancellationToken.None).ConfigureAwait(false);
            lock (runtime)
            {
                runtime.Inbox.Insert(0, new HistoryEvent(HistoryEventType.ExecutionStarted, now.UtcDateTime, Name: record.Name, Payload: continueAsNewInput));
            }
            return;
        }

        runtime.Record = record with
        {
            Status = status, LastUpdatedAt = now, Output = output, Failure = failure, CustomStatus = customStatus,
        };
        runtime.ETag = await Store.UpdateAsync(runtime.Record, runtime.ETag, CancellationToken.None).ConfigureAwait(false);
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

    private void Dispatch(InstanceRuntime runtime, HistoryEvent action)
    {
        switch (action.Type)
        {
            case HistoryEventType.TaskScheduled:
                Track(RunActivityAsync(runtime.InstanceId, action));
                break;
            case HistoryEventType.TimerCreated:
                // Timers are not tracked: a graceful stop must not wait hours for one; the next engine re-arms it.
                _ = FireTimerAsync(runtime.InstanceId, action);
                break;
            case HistoryEventType.SubOrchestrationCreated:
                Track(StartChildAsync(runtime.InstanceId, action));
                break;
        }
    }

    private async Task RunActivityAsync(string instanceId, HistoryEvent scheduled)
    {
        var name = scheduled.Name ?? "";
        try
        {
            await _activitySlots!.WaitAsync(_stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        try
        {
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
                    // Off the caller's thread: a synchronous activity must not hold up the dispatcher.
                    var output = await Task.Run(() => activity(context, _options.JsonSerializerOptions)).ConfigureAwait(false);
                    outcome = new HistoryEvent(HistoryEventType.TaskCompleted, UtcNow, scheduled.TaskId, name, output);
                }
                catch (Exception ex) when (!_stopping.IsCancellationRequested)
                {
                    _logger.ActivityFailed(name, scheduled.TaskId, instanceId, ex.Message);
                    outcome = new HistoryEvent(HistoryEventType.TaskFailed, UtcNow, scheduled.TaskId, name, Failure: TaskFailureDetails.FromException(ex));
                }
            }
            Deliver(instanceId, outcome);
        }
        catch (Exception) when (_stopping.IsCancellationRequested)
        {
            // Stopped mid-activity: not recorded, so the next engine runs it again (at least once).
        }
        finally
        {
            _activitySlots.Release();
        }
    }

    private async Task FireTimerAsync(string instanceId, HistoryEvent created)
    {
        var fireAt = created.FireAt ?? UtcNow;
        var due = fireAt - UtcNow;
        try
        {
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due, _options.TimeProvider, _stopping.Token).ConfigureAwait(false);
            }
            Deliver(instanceId, new HistoryEvent(HistoryEventType.TimerFired, UtcNow, created.TaskId, FireAt: fireAt));
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
            await CreateInstanceAsync(childId, created.Name ?? "", created.Payload, parentId, created.TaskId, CancellationToken.None)
                .ConfigureAwait(false);
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
        catch (Exception) when (!IsRunning)
        {
            // stopped; the next engine re-dispatches
        }
    }

    /// <summary>Brings every Pending/Running instance back: re-dispatches open activities, re-arms timers, repairs rows behind history.</summary>
    private async Task<int> RecoverAsync(CancellationToken cancellationToken)
    {
        var filter = string.Join(" or ",
            new[] { OrchestrationRuntimeStatus.Pending, OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.ContinuedAsNew }
                .Select(s => $"RuntimeStatus eq '{s}'"));
        var unfinished = await Store.QueryAsync(filter, cancellationToken).ConfigureAwait(false);
        foreach (var (record, etag) in unfinished)
        {
            var history = await Histories.ReadAsync(record.InstanceId, record.ExecutionId, cancellationToken).ConfigureAwait(false);
            var runtime = new InstanceRuntime(record, etag, history);
            _live[record.InstanceId] = runtime;
            if (history.Count == 0)
            {
                Deliver(record.InstanceId, new HistoryEvent(HistoryEventType.ExecutionStarted, UtcNow, Name: record.Name, Payload: record.Input));
                continue;
            }
            if (await RepairEndedAsync(runtime).ConfigureAwait(false))
            {
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
            foreach (var action in open)
            {
                Dispatch(runtime, action);
            }
            _logger.Recovered(record.InstanceId, history.Count,
                open.Count(e => e.Type == HistoryEventType.TaskScheduled), open.Count(e => e.Type == HistoryEventType.TimerCreated));
        }
        return unfinished.Count;
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
}
