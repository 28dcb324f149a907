namespace ModelOps.Durable;

/// <summary>
/// A synchronization context that only queues; the executor pumps it on its own thread. Every await in orchestrator code
/// resumes here, so the orchestrator runs single-threaded and in exactly the order the history dictates.
/// </summary>
internal sealed class ReplaySynchronizationContext : SynchronizationContext
{
    private readonly Queue<(SendOrPostCallback Callback, object? State)> _queue = new();

    public override void Post(SendOrPostCallback d, object? state)
    {
        lock (_queue)
        {
            _queue.Enqueue((d, state));
        }
    }

    public override void Send(SendOrPostCallback d, object? state) =>
        throw new NotSupportedException("Orchestrator code cannot block on its own context.");

    public override SynchronizationContext CreateCopy() => this;

    /// <summary>Runs queued continuations, and those they queue, until there is nothing left to run.</summary>
    public void Pump()
    {
        while (true)
        {
            (SendOrPostCallback Callback, object? State) item;
            lock (_queue)
            {
                if (!_queue.TryDequeue(out item))
                {
                    return;
                }
            }
            item.Callback(item.State);
        }
    }
}
