namespace ModelOps.Core.Data;

/// <summary>
/// A few buffers handed back to be filled again: a streaming read has up to <see cref="ChunkHandOff.MostOut"/> chunks out
/// (one filling, the rest waiting or being consumed), and the consumer's thread returns what the reader's thread takes.
/// There is a slot for each, so a read that runs ahead and then waits allocates no buffer twice. Lock-free; a buffer
/// returned when every slot is full is left to the collector.
/// </summary>
internal sealed class Spares<TItem> where TItem : class
{
    private readonly TItem?[] _slots = new TItem?[ChunkHandOff.MostOut];

    /// <summary>Keeps <paramref name="item"/> for a later <see cref="Take"/>; safe from any thread.</summary>
    public void Return(TItem item)
    {
        for (var i = 0; i < _slots.Length && Interlocked.CompareExchange(ref _slots[i], item, null) is not null; i++)
        {
        }
    }

    /// <summary>A buffer returned earlier, or null.</summary>
    public TItem? Take()
    {
        foreach (ref var slot in _slots.AsSpan())
        {
            if (Interlocked.Exchange(ref slot, null) is { } item) return item;
        }
        return null;
    }
}
