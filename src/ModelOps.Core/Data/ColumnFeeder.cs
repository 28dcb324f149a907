using System.Threading.Channels;

namespace ModelOps.Core.Data;

/// <summary>
/// Takes a reader's rows into the column builders, cell by cell as the parser hands them over (the text is still in the
/// cache), settles kinds on the first rows, and for a streaming read passes each full chunk of typed columns to its
/// consumer on a second thread, so parsing the next chunk and the first data pass over this one run side by side.
/// </summary>
internal sealed class ColumnFeeder : IAsyncDisposable
{
    private ColumnBuilder[] _builders;
    private readonly double _minNumericShare;
    private readonly int _sampleRows;
    private readonly ChunkOutput? _output;
    private readonly ChunkedList<long> _pendingRowNumbers = new();
    private readonly ChunkHandOff? _handOff;
    private readonly ISourceRecorder? _source;
    private int _rows;
    private int _nextSettle;

    /// <param name="source">Keeps each row's text as read for the chunks (a streaming read only: a whole read would keep the file).</param>
    public ColumnFeeder(ColumnBuilder[] builders, int sampleRows, double minNumericShare, ChunkOutput? output = null, ISourceRecorder? source = null)
    {
        _builders = builders;
        _sampleRows = sampleRows;
        _nextSettle = sampleRows;
        _minNumericShare = minNumericShare;
        _output = output;
        _handOff = output is null ? null : new ChunkHandOff(output, Recycle);
        _source = output is null ? null : source;
    }

    /// <summary>The columns, in order (a reader that meets new columns as it goes adds them with <see cref="AddColumn"/>).</summary>
    public ColumnBuilder[] Builders => _builders;

    /// <summary>Adds the trimmed cell of <paramref name="column"/> in the current row.</summary>
    public void Add(int column, ReadOnlySpan<char> trimmed) => _builders[column].Add(trimmed);

    /// <summary>Adds a value the file format typed already (Parquet); not finite is missing.</summary>
    public void AddValue(int column, double value)
    {
        if (double.IsFinite(value))
        {
            _builders[column].AddValue(value);
        }
        else
        {
            _builders[column].AddMissing(); // NaN and infinity in a typed format are counted by the validator, as missing
        }
    }

    public void AddMissing(int column) => _builders[column].AddMissing();

    /// <summary>
    /// A column first met in this row (JSON lines): missing in every earlier row. Only before the first chunk has gone:
    /// chunks must all have the same columns.
    /// </summary>
    public void AddColumn(ColumnBuilder builder)
    {
        if (ChunksEmitted > 0)
        {
            throw new InvalidOperationException("Columns are fixed once the first chunk has been passed on.");
        }
        for (var r = 0; r < _rows; r++)
        {
            builder.AddMissing();
        }
        _builders = [.. _builders, builder];
    }

    /// <summary>Whether <see cref="AddColumn"/> may still be called.</summary>
    public bool ColumnsOpen => ChunksEmitted == 0;

    /// <summary>Call after each row: settles kinds when the sample is in, and passes a full chunk on.</summary>
    public ValueTask EndRowAsync(long rowNumber)
    {
        if (++_rows == _nextSettle)
        {
            _nextSettle = _nextSettle > int.MaxValue / 2 ? int.MaxValue : _nextSettle * 2;
            foreach (var builder in _builders)
            {
                builder.Settle(_minNumericShare);
            }
        }
        _pendingRowNumbers.Add(rowNumber);
        if (_output is null)
        {
            return ValueTask.CompletedTask;
        }
        return _pendingRowNumbers.Count >= _output.ChunkRows && _rows >= _sampleRows ? EmitAsync() : ValueTask.CompletedTask;
    }

    /// <summary>The row numbers of rows fed but not passed on (all of them in a whole read, or one that never filled a chunk).</summary>
    public long[] TakePendingRowNumbers() => _pendingRowNumbers.MoveToArray();

    /// <summary>The text of the rows fed but not passed on, when kept.</summary>
    public SourceRows? TakePendingSource() => _source?.Take();

    /// <summary>Rows fed but not yet passed on as a chunk.</summary>
    public int PendingRows => _pendingRowNumbers.Count;

    /// <summary>Chunks passed on so far.</summary>
    public int ChunksEmitted { get; private set; }

    /// <summary>Passes the rows fed since the last chunk on as one; kinds are frozen at the first chunk.</summary>
    public ValueTask EmitAsync()
    {
        var output = _output!;
        var columns = new object[_builders.Length];
        if (output.Schema is null)
        {
            var kinds = new ColumnSchema[_builders.Length];
            for (var c = 0; c < _builders.Length; c++)
            {
                kinds[c] = new ColumnSchema(output.Names[c], _builders[c].Freeze(_minNumericShare, output.InferText));
            }
            output.Schema = new TableSchema(kinds);
        }
        for (var c = 0; c < _builders.Length; c++)
        {
            columns[c] = _builders[c].TakeChunk();
        }
        ChunksEmitted++;
        return _handOff!.SendAsync(new TableChunk(new Table(output.Schema, columns), _pendingRowNumbers.MoveToArray()) { Source = _source?.Take() });
    }

    /// <summary>Waits until the consumer has taken in every chunk passed on; rethrows what it threw.</summary>
    public Task CompleteAsync() => _handOff?.CompleteAsync() ?? Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (_handOff is not null)
        {
            await _handOff.DisposeAsync().ConfigureAwait(false);
        }
    }

    // On the consumer's thread, once it is done with a chunk: its arrays go back to be filled again.
    private void Recycle(TableChunk chunk)
    {
        for (var c = 0; c < _builders.Length; c++)
        {
            _builders[c].Recycle(chunk.Rows.Column(c));
        }
        _pendingRowNumbers.Recycle(chunk.RowNumbers as long[] ?? []);
        chunk.Source?.Release();
    }
}

/// <summary>
/// Runs a streaming read's chunk consumer on its own task: the reader hands a chunk over and goes on parsing while up to
/// four more wait (a few MB), so neither side stalls on the other's slower chunks. A consumer that fails stops the reader
/// at its next hand-over with the consumer's exception.
/// </summary>
internal sealed class ChunkHandOff : IAsyncDisposable
{
    /// <summary>Chunks handed over and not yet taken by the consumer.</summary>
    public const int Waiting = 4;

    /// <summary>The most chunks out at once: those waiting, the one being consumed and the one the reader fills.</summary>
    public const int MostOut = Waiting + 2;

    private readonly Channel<TableChunk> _chunks = Channel.CreateBounded<TableChunk>(new BoundedChannelOptions(Waiting)
    {
        SingleReader = true,
        SingleWriter = true,
    });
    private readonly ChunkOutput _output;
    private readonly Action<TableChunk> _recycle;
    private readonly Task _consumer;

    public ChunkHandOff(ChunkOutput output, Action<TableChunk> recycle)
    {
        _output = output;
        _recycle = recycle;
        _consumer = Task.Run(ConsumeAsync);
    }

    public ValueTask SendAsync(TableChunk chunk) =>
        _chunks.Writer.TryWrite(chunk) ? ValueTask.CompletedTask : WaitAndSendAsync(chunk);

    private async ValueTask WaitAndSendAsync(TableChunk chunk)
    {
        try
        {
            await _chunks.Writer.WriteAsync(chunk, _output.CancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            await _consumer.ConfigureAwait(false); // the consumer failed: its exception is the one to report
            throw;
        }
    }

    public async Task CompleteAsync()
    {
        _chunks.Writer.TryComplete();
        await _consumer.ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        _chunks.Writer.TryComplete();
        try
        {
            await _consumer.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Reported by CompleteAsync or SendAsync, or the reader failed first and its error is the one that matters.
        }
    }

    private async Task ConsumeAsync()
    {
        try
        {
            await foreach (var chunk in _chunks.Reader.ReadAllAsync(_output.CancellationToken).ConfigureAwait(false))
            {
                await _output.OnChunk(chunk, _output.CancellationToken).ConfigureAwait(false);
                _recycle(chunk); // the chunk was the consumer's only during the call
            }
        }
        catch (Exception e)
        {
            _chunks.Writer.TryComplete(e);
            throw;
        }
    }
}

/// <summary>What a chunked read is asked to do: hand on chunks of about <see cref="Rows"/> rows, and the lines it cannot
/// take, as it finds them, when given somewhere for them (else they come back with the result).</summary>
internal sealed record ChunkedRead(int Rows, Func<TableChunk, CancellationToken, ValueTask> OnChunk, Action<RejectedRow>? OnRejected = null)
{
    public ChunkOutput Output(IReadOnlyList<string> names, CsvReadOptions options, CancellationToken cancellationToken) =>
        new(names, Rows, options.InferText, OnChunk, cancellationToken);
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
