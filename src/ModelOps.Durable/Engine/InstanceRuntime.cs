using Azure;

namespace ModelOps.Durable;

/// <summary>
/// A live instance: its row, its history cached in memory, and the inbox of events not yet replayed.
/// <see cref="Processing"/> guarantees one replay at a time; events arriving meanwhile form the next batch.
/// <see cref="SeenEventIds"/> holds the ids of inbox messages already queued or in history, so each is applied once.
/// Guarded by locking the instance itself.
/// </summary>
internal sealed class InstanceRuntime(InstanceRecord record, ETag etag, List<HistoryEvent> history, long historyBytes)
{
    public InstanceRecord Record { get; set; } = record;
    public ETag ETag { get; set; } = etag;
    public List<HistoryEvent> History { get; set; } = history;

    /// <summary>The length of the current execution's history blob: where the next append goes.</summary>
    public long HistoryBytes { get; set; } = historyBytes;

    public List<HistoryEvent> Inbox { get; set; } = [];
    public HashSet<string> SeenEventIds { get; } = new(history.Where(e => e.EventId is not null).Select(e => e.EventId!), StringComparer.Ordinal);
    public bool Processing { get; set; }
    public bool Done { get; set; }
    public string InstanceId => Record.InstanceId;
}
