using System.Collections.Concurrent;
using System.Diagnostics;

namespace ModelOps.Durable.Bench.Overhead;

/// <summary>One replay of an instance, as the engine's "Replayed" debug log reports it: logged after the replay, before the history append.</summary>
internal sealed record ReplayMark(long Timestamp, int PastEvents, int NewEvents);

/// <summary>
/// Timestamps seen from outside the engine: when each activity body starts and ends, and when each replay finishes
/// (from the engine's log). Between them they split a step into replay and persist-and-dispatch without touching engine code.
/// </summary>
internal sealed class EngineProbe
{
    // EventId of Logs.Replayed in ModelOps.Durable; its fields are InstanceId, PastEvents, NewEvents, Actions, Status.
    private const int ReplayedEventId = 4;

    private readonly ConcurrentDictionary<(string, int), long> _starts = new();
    private readonly ConcurrentDictionary<(string, int), long> _ends = new();
    private readonly ConcurrentDictionary<string, ConcurrentQueue<ReplayMark>> _replays = new(StringComparer.Ordinal);

    public void ActivityStarted(string instanceId, int taskId) => _starts[(instanceId, taskId)] = Stopwatch.GetTimestamp();

    public void ActivityEnded(string instanceId, int taskId) => _ends[(instanceId, taskId)] = Stopwatch.GetTimestamp();

    public long StartOf(string instanceId, int taskId) => _starts[(instanceId, taskId)];

    public long EndOf(string instanceId, int taskId) => _ends[(instanceId, taskId)];

    public IEnumerable<long> StartsOf(string instanceId) => _starts.Where(p => p.Key.Item1 == instanceId).Select(p => p.Value);

    public IEnumerable<long> EndsOf(string instanceId) => _ends.Where(p => p.Key.Item1 == instanceId).Select(p => p.Value);

    /// <summary>The instance's replays in the order they happened.</summary>
    public IReadOnlyList<ReplayMark> ReplaysOf(string instanceId) =>
        _replays.TryGetValue(instanceId, out var marks) ? marks.OrderBy(m => m.Timestamp).ToList() : [];

    /// <summary>Logger observer: keeps the engine's replay entries.</summary>
    public void OnLog(Microsoft.Extensions.Logging.EventId eventId, IReadOnlyList<KeyValuePair<string, object?>> fields)
    {
        if (eventId.Id != ReplayedEventId)
        {
            return;
        }
        var now = Stopwatch.GetTimestamp();
        string? instanceId = null;
        int past = 0, added = 0;
        foreach (var (key, value) in fields)
        {
            switch (key)
            {
                case "InstanceId": instanceId = value as string; break;
                case "PastEvents": past = Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture); break;
                case "NewEvents": added = Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture); break;
            }
        }
        if (instanceId is not null)
        {
            _replays.GetOrAdd(instanceId, _ => new ConcurrentQueue<ReplayMark>()).Enqueue(new ReplayMark(now, past, added));
        }
    }
}
