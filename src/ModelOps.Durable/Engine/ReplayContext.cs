using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace ModelOps.Durable;

/// <summary>
/// The orchestration context during one replay. Actions get sequential ids as the code takes them; history events are then
/// matched to those ids. Nothing here touches storage or the clock: the executor feeds it events and collects actions.
/// Continuations are awaited without ConfigureAwait(false) on purpose: they must resume on the replay context.
/// </summary>
internal sealed class ReplayContext : OrchestrationContext
{
    private static readonly Guid GuidNamespace = new("9e952958-5e33-4daf-827f-2fa12937b875");

    private readonly JsonSerializerOptions _json;
    private readonly string? _input;
    private readonly SortedDictionary<int, HistoryEvent> _unmatched = [];
    private readonly Dictionary<int, (string Name, TaskCompletionSource<string?> Source)> _open = [];
    private readonly Dictionary<string, LinkedList<TaskCompletionSource<string?>>> _waiters = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, Queue<string?>> _buffered = new(StringComparer.OrdinalIgnoreCase);
    private int _nextTaskId;
    private int _guidCounter;

    public ReplayContext(string instanceId, string name, string? input, JsonSerializerOptions json)
    {
        InstanceId = instanceId;
        Name = name;
        _input = input;
        _json = json;
    }

    public override string InstanceId { get; }
    public override string Name { get; }
    public override DateTime CurrentUtcDateTime => CurrentTime;
    public override bool IsReplaying => Replaying;

    internal DateTime CurrentTime { get; set; }
    internal bool Replaying { get; set; }
    internal string? CustomStatus { get; private set; }
    internal bool ContinueAsNewRequested { get; private set; }
    internal string? ContinueAsNewInput { get; private set; }

    /// <summary>Actions taken by the code that history has not recorded yet, in id order.</summary>
    internal IEnumerable<HistoryEvent> UnmatchedActions => _unmatched.Values;

    public override T? GetInput<T>() where T : default => Deserialize<T>(_input);

    public override Task<T> CallActivityAsync<T>(string name, object? input = null, RetryPolicy? retry = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (retry is null)
        {
            return CallOnceAsync<T>(HistoryEventType.TaskScheduled, name, input, null);
        }
        retry.Validate();
        return CallWithRetryAsync<T>(name, input, retry);
    }

    public override Task<T> CallSubOrchestratorAsync<T>(string name, object? input = null, string? instanceId = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        // The child's id must be the same on every replay: derived from the parent's id and the action's id.
        instanceId ??= $"{InstanceId}:{_nextTaskId}";
        return CallOnceAsync<T>(HistoryEventType.SubOrchestrationCreated, name, input, instanceId);
    }

    public override Task CreateTimer(DateTime fireAt, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }
        var id = _nextTaskId++;
        var fireAtUtc = DateTime.SpecifyKind(fireAt.ToUniversalTime(), DateTimeKind.Utc);
        _unmatched[id] = new HistoryEvent(HistoryEventType.TimerCreated, CurrentTime, id, FireAt: fireAtUtc);
        var source = new TaskCompletionSource<string?>();
        _open[id] = ("timer", source);
        if (cancellationToken.CanBeCanceled)
        {
            cancellationToken.Register(() => source.TrySetCanceled(cancellationToken));
        }
        return source.Task;
    }

    public override Task<T> WaitForExternalEvent<T>(string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (_buffered.TryGetValue(name, out var queue) && queue.TryDequeue(out var payload))
        {
            return Task.FromResult(Deserialize<T>(payload)!);
        }
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<T>(cancellationToken);
        }
        var source = new TaskCompletionSource<string?>();
        if (!_waiters.TryGetValue(name, out var list))
        {
            _waiters[name] = list = new LinkedList<TaskCompletionSource<string?>>();
        }
        var node = list.AddLast(source);
        if (cancellationToken.CanBeCanceled)
        {
            cancellationToken.Register(() =>
            {
                if (node.List is not null)
                {
                    list.Remove(node);
                }
                source.TrySetCanceled(cancellationToken);
            });
        }
        return DeserializeWhenDoneAsync<T>(source.Task);
    }

    public override void SetCustomStatus(object? status) => CustomStatus = DurableRegistry.Serialize(status, _json);

    public override Guid NewGuid()
    {
        var name = $"{InstanceId}_{CurrentTime:o}_{_guidCounter++}";
        return NameBasedGuid(GuidNamespace, name);
    }

    public override void ContinueAsNew(object? newInput = null)
    {
        ContinueAsNewRequested = true;
        ContinueAsNewInput = DurableRegistry.Serialize(newInput, _json);
    }

    /// <summary>Matches a recorded action to the one the code took at the same id; anything else is non-determinism.</summary>
    internal void MatchAction(HistoryEvent recorded)
    {
        if (!_unmatched.Remove(recorded.TaskId, out var taken))
        {
            throw new NonDeterministicOrchestrationException(
                $"Non-deterministic orchestration '{Name}' ({InstanceId}): history has {Describe(recorded)} at task #{recorded.TaskId}, " +
                "but the code no longer takes that action.");
        }
        if (taken.Type != recorded.Type || !string.Equals(taken.Name, recorded.Name, StringComparison.Ordinal))
        {
            throw new NonDeterministicOrchestrationException(
                $"Non-deterministic orchestration '{Name}' ({InstanceId}): history has {Describe(recorded)} at task #{recorded.TaskId}, " +
                $"but the code now schedules {Describe(taken)}.");
        }
    }

    internal void Complete(int taskId, string? payload)
    {
        if (_open.Remove(taskId, out var open))
        {
            open.Source.TrySetResult(payload);
        }
    }

    internal void Fail(int taskId, TaskFailureDetails failure)
    {
        if (_open.Remove(taskId, out var open))
        {
            open.Source.TrySetException(new TaskFailedException(open.Name, taskId, failure));
        }
    }

    internal void Raise(string name, string? payload)
    {
        if (_waiters.TryGetValue(name, out var list) && list.First is { } first)
        {
            list.RemoveFirst();
            first.Value.TrySetResult(payload);
            return;
        }
        if (!_buffered.TryGetValue(name, out var queue))
        {
            _buffered[name] = queue = new Queue<string?>();
        }
        queue.Enqueue(payload);
    }

    private async Task<T> CallWithRetryAsync<T>(string name, object? input, RetryPolicy retry)
    {
        // Replay time, not the clock: the same on every replay, so the retry decisions replay identically.
        var firstAttemptAt = CurrentTime;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await CallOnceAsync<T>(HistoryEventType.TaskScheduled, name, input, null);
            }
            catch (TaskFailedException ex) when (retry.ShouldRetry(attempt, ex.FailureDetails, firstAttemptAt, CurrentTime))
            {
                // Orchestrator-side retry, as Durable does it: the wait is a durable timer, so it survives restarts.
                await CreateTimer(CurrentTime.Add(retry.DelayAfter(attempt)), CancellationToken.None);
            }
        }
    }

    private Task<T> CallOnceAsync<T>(HistoryEventType type, string name, object? input, string? childInstanceId)
    {
        var id = _nextTaskId++;
        _unmatched[id] = new HistoryEvent(type, CurrentTime, id, name, DurableRegistry.Serialize(input, _json), InstanceId: childInstanceId);
        var source = new TaskCompletionSource<string?>();
        _open[id] = (name, source);
        return DeserializeWhenDoneAsync<T>(source.Task);
    }

    private async Task<T> DeserializeWhenDoneAsync<T>(Task<string?> raw) => Deserialize<T>(await raw)!;

    private T? Deserialize<T>(string? json) => json is null ? default : JsonSerializer.Deserialize<T>(json, _json);

    private static string Describe(HistoryEvent action) => action.Type switch
    {
        HistoryEventType.TaskScheduled => $"activity '{action.Name}'",
        HistoryEventType.TimerCreated => "a timer",
        HistoryEventType.SubOrchestrationCreated => $"sub-orchestration '{action.Name}'",
        _ => action.Type.ToString(),
    };

    /// <summary>RFC 4122 version 5 (SHA-1, name-based) UUID.</summary>
    private static Guid NameBasedGuid(Guid ns, string name)
    {
        Span<byte> nsBytes = stackalloc byte[16];
        ns.TryWriteBytes(nsBytes, bigEndian: true, out _);
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var buffer = new byte[16 + nameBytes.Length];
        nsBytes.CopyTo(buffer);
        nameBytes.CopyTo(buffer, 16);
        Span<byte> hash = stackalloc byte[20];
        SHA1.HashData(buffer, hash);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash[..16], bigEndian: true);
    }
}
