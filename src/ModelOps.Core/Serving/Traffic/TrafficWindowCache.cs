using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using ModelOps.Core.Storage;

namespace ModelOps.Core.Serving.Traffic;

/// <summary>A traffic blob as listed: its name, length and when it was made (a blob made again under the same name is
/// another blob).</summary>
internal readonly record struct ListedBlob(string Name, long Length, DateTimeOffset? Created);

/// <summary>
/// Keeps each model's last traffic window as columns between reads, so that the monitor's next tick (a few minutes
/// later, the window moved on by as much) reads only the bytes appended since: traffic blobs are append blobs, so the
/// bytes read once never change. Each kept line carries its time and label key (<see cref="RowFacts"/>), and every read
/// lays the window out from the kept lines as a read of the whole window would (the same rows in the same order, the
/// same counts, the window's current labels joined), dropping the lines that have left it.
/// A window that its bound would sample (more lines than <see cref="TrafficFrameRequest.MaxRows"/>) is not kept: it is
/// read afresh. Nor are kept lines used for a window with other features, another version or an earlier start; a blob
/// shorter than what was read of it, or made again, is read again from its start.
/// </summary>
internal sealed class TrafficWindowCache(ILogger logger)
{
    /// <summary>Opens the blob's bytes from <paramref name="offset"/> up to its listed length.</summary>
    public delegate Task<Stream> OpenFrom(ListedBlob blob, long offset, CancellationToken cancellationToken);

    private readonly ConcurrentDictionary<ModelName, Window> _models = new();
    private long _reads;

    /// <summary>Most memory the kept windows take in all (an estimate from their rows and features): past it, the windows
    /// read longest ago are let go, and a window larger alone is not kept.</summary>
    public long MaxBytes { get; set; } = 1L << 30;

    /// <summary>What the kept windows take now, by the same estimate.</summary>
    public long Bytes => _models.Values.Sum(w => w.Bytes);

    /// <summary>Bytes below which a blob's new bytes are not cut into pieces.</summary>
    internal int MinPieceBytes { get; set; } = 4 << 20;

    /// <summary>Pieces a blob's new bytes are cut into; null: the cores over the blobs to read (tests set it).</summary>
    internal int? Pieces { get; set; }

    /// <summary>Most new bytes of a blob taken into memory to be cut into pieces; more are streamed as one.</summary>
    private const int MaxSplitBytes = 256 << 20;

    /// <summary>The window's frame from the kept lines and the bytes appended since; null when the window is too large to
    /// keep (its bound would sample it) and must be read afresh.</summary>
    public async Task<(TrafficFrame Frame, List<LabelMatch> Matches)?> ReadAsync(ModelName model, TrafficFrameRequest request,
        IReadOnlyList<ListedBlob> blobs, OpenFrom open, CancellationToken cancellationToken)
    {
        Forget(request.To);
        // Taken out while it is read: a read of the same model at the same time (there is none from the monitor, which
        // ticks one model at a time) starts a window of its own, and the last to finish is kept.
        if (!_models.TryRemove(model, out var window) || !window.Serves(request))
        {
            window = new Window(request);
        }
        var listedBytes = blobs.Sum(b => b.Length);
        if (request.MaxRows is { } bound && window.LinesPerByte * listedBytes > bound)
        {
            return null;
        }
        var sampling = request.MaxRows is { } max && window.LinesPerByte == 0 ? new WindowSampling(max, listedBytes) : null;
        var kept = blobs.Select(b => window.Blobs.TryGetValue(b.Name, out var k) && k.Created == b.Created && k.Offset <= b.Length
            ? k : new KeptBlob(b.Created)).ToArray();
        if (await ReadAppendedAsync(window, blobs, kept, open, sampling, cancellationToken) is not var (tails, read))
        {
            return null;
        }

        // The window laid out from what is kept of each blob, in blob order.
        window.Blobs.Clear();
        var parts = new List<TrafficColumns>();
        for (var i = 0; i < blobs.Count; i++)
        {
            var blob = kept[i];
            window.Blobs[blobs[i].Name] = blob;
            blob.DropBefore(request.From);
            if (blob.DroppedCorruptLines > 0)
            {
                parts.Add(TrafficColumns.CorruptOnly(window.Parse, blob.DroppedCorruptLines));
            }
            parts.AddRange(blob.Segments.Select(s => s.Within(request)));
            if (tails[i] is { } tail)
            {
                parts.Add(tail.Within(request));
            }
        }
        var frame = TrafficTable.Merge(request, parts, out var matches);
        window.LastTo = request.To;
        window.LastRead = Interlocked.Increment(ref _reads);
        Keep(model, window);
        return (frame with { Blobs = blobs.Count, BytesRead = read }, matches);
    }

    /// <summary>
    /// Reads what each blob gained since it was last read into its kept parts, a few blobs at a time; returns each blob's
    /// unterminated last line (read for this window only) and the bytes read, or null when the window is too large to keep.
    /// </summary>
    private async Task<(TrafficColumns?[] Tails, long Read)?> ReadAppendedAsync(Window window, IReadOnlyList<ListedBlob> blobs,
        KeptBlob[] kept, OpenFrom open, WindowSampling? sampling, CancellationToken cancellationToken)
    {
        var tails = new TrafficColumns?[blobs.Count];
        long read = 0, lines = 0;
        var tooLarge = false;
        // Fewer blobs to read than cores (the usual tick: each host's current blob): each is cut into pieces read side by side.
        var reading = kept.Where((k, i) => blobs[i].Length > k.Offset).Count();
        var pieces = Pieces ?? (reading == 0 ? 1 : Math.Max(1, Environment.ProcessorCount / reading));
        await Parallel.ForEachAsync(Enumerable.Range(0, blobs.Count),
            new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken },
            async (i, token) =>
            {
                var blob = kept[i];
                var length = blobs[i].Length - blob.Offset;
                if (length <= 0)
                {
                    return;
                }
                await using var stream = await open(blobs[i], blob.Offset, token);
                if (await ReadRangeAsync(stream, length, length >= MinPieceBytes * 2 ? pieces : 1, window.Parse, sampling, token) is not var (parts, tail, end))
                {
                    tooLarge = true;
                    return;
                }
                if (parts.Sum(p => p.CorruptLines) + (tail?.CorruptLines ?? 0) is var corrupt and > 0)
                {
                    logger.CorruptLines((int)Math.Min(corrupt, int.MaxValue), blobs[i].Name);
                }
                blob.Segments.AddRange(parts);
                blob.Offset += end;
                tails[i] = tail;
                Interlocked.Add(ref read, length);
                Interlocked.Add(ref lines, parts.Sum(p => p.Lines));
            });
        if (tooLarge)
        {
            return null;
        }
        window.Observe(lines, read);
        return (tails, read);
    }

    /// <summary>
    /// The lines of a blob's new bytes as kept parts (see <see cref="TrafficColumns.ReadKeptAsync"/>), read in
    /// <paramref name="pieces"/> pieces side by side (the bytes taken into memory and cut after a newline) or streamed as
    /// one; the unterminated last line apart; and how many of the bytes the parts hold. Null when the window is too large to keep.
    /// </summary>
    private static async Task<(List<TrafficColumns> Parts, TrafficColumns? Tail, long End)?> ReadRangeAsync(Stream stream, long length,
        int pieces, TrafficFrameRequest parse, WindowSampling? sampling, CancellationToken cancellationToken)
    {
        if (pieces <= 1 || length > MaxSplitBytes)
        {
            return await TrafficColumns.ReadKeptAsync(stream, length, parse, sampling, cancellationToken) is var (part, tail, end)
                ? ([part], tail, end)
                : null;
        }
        var bytes = GC.AllocateUninitializedArray<byte>((int)length);
        await stream.ReadExactlyAsync(bytes, cancellationToken);
        var starts = new List<int> { 0 };
        for (var j = 1; j < pieces; j++)
        {
            var at = Math.Max((int)(length * j / pieces), starts[^1]);
            var newline = bytes.AsSpan(at).IndexOf((byte)'\n');
            if (newline >= 0 && at + newline + 1 < length)
            {
                starts.Add(at + newline + 1);
            }
        }
        var read = await Task.WhenAll(starts.Select((start, j) =>
        {
            var size = (j + 1 < starts.Count ? starts[j + 1] : bytes.Length) - start;
            return Task.Run(() => TrafficColumns.ReadKeptAsync(new MemoryStream(bytes, start, size, writable: false), size, parse, sampling, cancellationToken),
                cancellationToken);
        }));
        if (read.Any(r => r is null))
        {
            return null;
        }
        // Every piece but the last ends with a newline.
        var last = read[^1]!.Value;
        return (read.Select(r => r!.Value.Kept).ToList(), last.Tail, starts[^1] + last.End);
    }

    /// <summary>Keeps the window just read within <see cref="MaxBytes"/>, letting go of the windows read longest ago.</summary>
    private void Keep(ModelName model, Window window)
    {
        if (window.Bytes > MaxBytes)
        {
            return;
        }
        _models[model] = window;
        foreach (var (other, _) in _models.Where(m => m.Key != model).OrderBy(m => m.Value.LastRead).ToList())
        {
            if (Bytes <= MaxBytes)
            {
                break;
            }
            _models.TryRemove(other, out _);
        }
    }

    /// <summary>Drops the windows no read has asked for in a day (a model deleted or no longer in production).</summary>
    private void Forget(DateTimeOffset now)
    {
        foreach (var (model, window) in _models)
        {
            if (window.LastTo < now - TimeSpan.FromDays(1))
            {
                _models.TryRemove(model, out _);
            }
        }
    }

    /// <summary>One model's kept window: how its lines were read and what was read of each blob.</summary>
    private sealed class Window(TrafficFrameRequest request)
    {
        /// <summary>How the kept lines are read: the window's features and version, every time from the first window's start on.</summary>
        public TrafficFrameRequest Parse { get; } = new(request.Features, request.From, DateTimeOffset.MaxValue, request.Version) { KeepsRowFacts = true };

        public Dictionary<string, KeptBlob> Blobs { get; } = new(StringComparer.Ordinal);

        private long _lines;
        private long _bytes;

        /// <summary>Lines per byte of all read so far; 0 before the first read.</summary>
        public double LinesPerByte => _bytes == 0 ? 0 : (double)_lines / _bytes;

        public DateTimeOffset LastTo { get; set; }

        /// <summary>When it was last read, in reads of this cache.</summary>
        public long LastRead { get; set; }

        /// <summary>About the memory the kept lines take: a value per feature and about 50 bytes of their own per row.</summary>
        public long Bytes => Blobs.Values.Sum(b => b.Segments.Sum(s => (long)s.Count)) * (8L * Parse.Features.Columns.Count + 50);

        /// <summary>Whether the kept lines can lay out <paramref name="window"/>: same features and version, and no earlier start.</summary>
        public bool Serves(TrafficFrameRequest window) =>
            window.Version == Parse.Version && window.From >= Parse.From
            && window.Features.Columns.Count == Parse.Features.Columns.Count
            && window.Features.Columns.Zip(Parse.Features.Columns).All(c => c.First.Name == c.Second.Name && c.First.Kind == c.Second.Kind);

        public void Observe(long lines, long bytes)
        {
            _lines += lines;
            _bytes += bytes;
        }
    }

    /// <summary>What was read of one blob: up to which byte, into which parts.</summary>
    private sealed class KeptBlob(DateTimeOffset? created)
    {
        public DateTimeOffset? Created { get; } = created;

        public long Offset { get; set; }

        public List<TrafficColumns> Segments { get; } = [];

        /// <summary>Unreadable lines of the parts dropped: they still count while the blob is in the window's folders.</summary>
        public long DroppedCorruptLines { get; private set; }

        /// <summary>Drops the parts whose records are all older than <paramref name="from"/>.</summary>
        public void DropBefore(DateTimeOffset from)
        {
            foreach (var segment in Segments.Where(s => s.Latest < from))
            {
                DroppedCorruptLines += segment.CorruptLines;
            }
            Segments.RemoveAll(s => s.Latest < from);
        }
    }
}
