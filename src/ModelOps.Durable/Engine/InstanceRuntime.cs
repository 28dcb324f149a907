using Azure;

namespace ModelOps.Durable;

/// <summary>
/// A live instance: its row, its history cached in memory, and the inbox of events not yet replayed.
/// <see cref="Processing"/> guarantees one replay at a time; events arriving meanwhile form the next batch.
/// Guarded by locking the instance itself.
/// </summary>
internal sealed class InstanceRuntime(InstanceRecord record, ETag etag, List<HistoryEvent> history)
{
    public InstanceRecord Record { get; set; } = record;
    public ETag ETag { get; set; } = etag;
    public List<HistoryEvent> History { get; set; } = history;
    public List<HistoryEvent> Inbox { get; set; } = [];
    public bool Processing { get; set; }
    public bool Done { get; set; }
    public string InstanceId => Record.InstanceId;
}
