using System.Threading.Channels;

namespace ModelOps.Core.Data;

/// <summary>A block of rows whose (trimmed) fields are copied out of the parser's buffer, column-major friendly.</summary>
internal sealed class RowBatch(int columns, int capacity)
{
    private readonly int[] _starts = new int[columns * capacity];
    private readonly int[] _lengths = new int[columns * capacity];
    private readonly long[] _rowNumbers = new long[capacity];
    private char[] _chars = new char[Math.Max(1024, columns * capacity * 12)];
    private int _used;
    private int _field;

    public int Rows { get; private set; }

    public bool IsFull => Rows == capacity;

    public void Add(ReadOnlySpan<char> field)
    {
        if (_used + field.Length > _chars.Length)
        {
            Array.Resize(ref _chars, Math.Max(_chars.Length * 2, _used + field.Length));
        }
        field.CopyTo(_chars.AsSpan(_used));
        _starts[_field] = _used;
        _lengths[_field] = field.Length;
        _used += field.Length;
        _field++;
    }

    public void EndRow(long rowNumber) => _rowNumbers[Rows++] = rowNumber;

    public long RowNumber(int row) => _rowNumbers[row];

    public ReadOnlySpan<char> Field(int row, int column)
    {
        var i = row * columns + column;
        return _chars.AsSpan(_starts[i], _lengths[i]);
    }

    public void Clear()
    {
        Rows = 0;
        _used = 0;
        _field = 0;
    }
}

/// <summary>
/// Hands batches of rows from the parsing thread to a second one that parses values into the column builders, so that
/// tokenising and value parsing run side by side. Kinds are settled at the same row counts as a single-threaded read.
/// </summary>
internal sealed class ColumnFeeder : IAsyncDisposable
{
    private const int BatchRows = 4096;
    private readonly ColumnBuilder[] _builders;
    private readonly double _minNumericShare;
    private readonly Channel<RowBatch> _full = Channel.CreateBounded<RowBatch>(new BoundedChannelOptions(2) { SingleReader = true, SingleWriter = true });
    private readonly Channel<RowBatch> _free = Channel.CreateUnbounded<RowBatch>();
    private readonly Task _consumer;
    private readonly int _sampleRows;
    private readonly ChunkOutput? _output;
    private readonly ChunkedList<long> _pendingRowNumbers = new();
    private int _rows;
    private int _nextSettle;

    public ColumnFeeder(ColumnBuilder[] builders, int sampleRows, double minNumericShare, ChunkOutput? output = null)
    {
        _sampleRows = sampleRows;
        _output = output;
        _builders = builders;
        _nextSettle = sampleRows;
        _minNumericShare = minNumericShare;
        for (var i = 0; i < 3; i++)
        {
            _free.Writer.TryWrite(new RowBatch(builders.Length, BatchRows));
        }
        Current = new RowBatch(builders.Length, BatchRows);
        _consumer = Task.Run(ConsumeAsync);
    }

    /// <summary>The batch the producer fills.</summary>
    public RowBatch Current { get; private set; }

    /// <summary>Call after each row; passes the batch on when it is full.</summary>
    public ValueTask EndRowAsync(long rowNumber, CancellationToken cancellationToken)
    {
        Current.EndRow(rowNumber);
        return Current.IsFull ? PassOnAsync(cancellationToken) : ValueTask.CompletedTask; // no state machine per row
    }

    private async ValueTask PassOnAsync(CancellationToken cancellationToken)
    {
        await _full.Writer.WriteAsync(Current, cancellationToken).ConfigureAwait(false);
        Current = await _free.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Passes on the last rows and waits until every value is in its column.</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        if (Current.Rows > 0)
        {
            await _full.Writer.WriteAsync(Current, cancellationToken).ConfigureAwait(false);
        }
        _full.Writer.TryComplete();
        await _consumer.ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        _full.Writer.TryComplete();
        try
        {
            await _consumer.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Already reported through the producer, or the producer failed first and its error is the one that matters.
        }
    }

    private async Task ConsumeAsync()
    {
        try
        {
            await foreach (var batch in _full.Reader.ReadAllAsync().ConfigureAwait(false))
            {
                Feed(batch);
                if (_output is { } output)
                {
                    for (var r = 0; r < batch.Rows; r++) _pendingRowNumbers.Add(batch.RowNumber(r));
                }
                batch.Clear();
                _free.Writer.TryWrite(batch);
                if (_output is not null && _pendingRowNumbers.Count >= _output.ChunkRows && _rows >= _sampleRows)
                {
                    await EmitAsync().ConfigureAwait(false);
                }
            }
        }
        catch (Exception e)
        {
            _full.Writer.TryComplete(e);
            _free.Writer.TryComplete(e);
            throw;
        }
    }

    /// <summary>The row numbers of rows fed but not passed on (a read that never filled a chunk).</summary>
    public long[] TakePendingRowNumbers() => _pendingRowNumbers.MoveToArray();

    /// <summary>Rows fed but not yet passed on as a chunk.</summary>
    public int PendingRows => _pendingRowNumbers.Count;

    /// <summary>Chunks passed on so far.</summary>
    public int ChunksEmitted { get; private set; }

    /// <summary>Passes the rows fed since the last chunk on as one; kinds are frozen at the first chunk.</summary>
    public async ValueTask EmitAsync()
    {
        var output = _output!;
        var kinds = new ColumnSchema[_builders.Length];
        var columns = new object[_builders.Length];
        for (var c = 0; c < _builders.Length; c++)
        {
            kinds[c] = new ColumnSchema(output.Names[c], _builders[c].Freeze(_minNumericShare, output.InferText));
            columns[c] = _builders[c].TakeChunk();
        }
        output.Schema ??= new TableSchema(kinds);
        var rowNumbers = _pendingRowNumbers.MoveToArray();
        var chunk = new TableChunk(new Table(output.Schema, columns), rowNumbers);
        ChunksEmitted++;
        await output.OnChunk(chunk, output.CancellationToken).ConfigureAwait(false);
        // The chunk is the consumer's only during the call: its arrays are filled again for the next one.
        for (var c = 0; c < _builders.Length; c++)
        {
            _builders[c].Recycle(columns[c]);
        }
        _pendingRowNumbers.Recycle(rowNumbers);
    }

    private void Feed(RowBatch batch)
    {
        // Cut the batch where kinds are settled, then feed the columns in two halves side by side on wide tables.
        var segments = new List<(int Start, int End, bool SettleAfter)>(2);
        var start = 0;
        while (start < batch.Rows)
        {
            var end = Math.Min(batch.Rows, start + (_nextSettle - _rows));
            _rows += end - start;
            var settle = _rows == _nextSettle;
            if (settle)
            {
                _nextSettle = _nextSettle > int.MaxValue / 2 ? int.MaxValue : _nextSettle * 2;
            }
            segments.Add((start, end, settle));
            start = end;
        }
        var columns = _builders.Length;
        // A streaming read has a third busy stage (the chunk consumer) on the same cores: halves would only contend there.
        if (columns >= 8 && Environment.ProcessorCount > 1 && _output is null)
        {
            var middle = columns / 2;
            Parallel.Invoke(() => FeedColumns(batch, segments, 0, middle), () => FeedColumns(batch, segments, middle, columns));
        }
        else
        {
            FeedColumns(batch, segments, 0, columns);
        }
    }

    private void FeedColumns(RowBatch batch, List<(int Start, int End, bool SettleAfter)> segments, int from, int to)
    {
        foreach (var (start, end, settleAfter) in segments)
        {
            for (var c = from; c < to; c++)
            {
                var builder = _builders[c];
                for (var r = start; r < end; r++)
                {
                    builder.Add(batch.Field(r, c));
                }
            }
            if (settleAfter)
            {
                for (var c = from; c < to; c++)
                {
                    _builders[c].Settle(_minNumericShare);
                }
            }
        }
    }
}

/// <summary>Where a streaming read sends its chunks, and how big they are.</summary>
internal sealed class ChunkOutput(IReadOnlyList<string> names, int chunkRows, bool inferText,
    Func<TableChunk, CancellationToken, ValueTask> onChunk, CancellationToken cancellationToken)
{
    public IReadOnlyList<string> Names { get; } = names;

    public int ChunkRows { get; } = chunkRows;

    public bool InferText { get; } = inferText;

    public Func<TableChunk, CancellationToken, ValueTask> OnChunk { get; } = onChunk;

    public CancellationToken CancellationToken { get; } = cancellationToken;

    /// <summary>The kinds frozen at the first chunk; every chunk has them.</summary>
    public TableSchema? Schema { get; set; }
}
