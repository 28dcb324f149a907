namespace ModelOps.Core.Data;

/// <summary>
/// The rows of one streamed chunk as the file has them, so that a row the data pass sets aside (a duplicate, a missing
/// label) goes to quarantine as written — <c>yes</c>, <c>45.10</c>, <c>1,234.5</c> — not as parsed. Each record's text is
/// copied once as it is read (one copy a row, no split); only the rows asked for are split again into fields. The
/// buffers go back to the reader when the chunk does.
/// </summary>
internal abstract class SourceRows
{
    /// <summary>The fields of <paramref name="rows"/> (positions in the chunk, in order), one per column of the chunk, row
    /// by row.</summary>
    public abstract SourceFields Read(IReadOnlyList<int> rows);

    /// <summary>Gives the buffers back to the reader's recorder; the rows may not be asked for afterwards.</summary>
    public abstract void Release();

    /// <summary>The records' text in characters (CSV) or bytes (JSON lines), line ends left out.</summary>
    public abstract long Length { get; }
}

/// <summary>The source text of a chunk's records, back to back in one buffer, and where each ends.</summary>
/// <typeparam name="T">Characters (CSV, decoded) or UTF-8 bytes (JSON lines).</typeparam>
internal abstract class SourceRows<T> : SourceRows where T : unmanaged
{
    private readonly SourceRecorder<T>? _recorder;
    private T[] _text;
    private int[] _ends;

    protected SourceRows(SourceBuffers<T> buffers)
    {
        (_recorder, _text, _ends, Count) = (buffers.Recorder, buffers.Text, buffers.Ends, buffers.Count);
        Length = Count == 0 ? 0 : _ends[Count - 1];
    }

    /// <summary>Records held.</summary>
    public int Count { get; }

    public override long Length { get; }

    /// <summary>The text of record <paramref name="row"/>, as read.</summary>
    protected ReadOnlySpan<T> Record(int row)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)row, (uint)Count, nameof(row));
        var start = row == 0 ? 0 : _ends[row - 1];
        return _text.AsSpan(start, _ends[row] - start);
    }

    public override void Release()
    {
        _recorder?.Recycle(_text, _ends);
        _text = [];
        _ends = [];
    }
}

/// <summary>What a <see cref="SourceRecorder{T}"/> hands over for one chunk.</summary>
internal readonly record struct SourceBuffers<T>(SourceRecorder<T> Recorder, T[] Text, int[] Ends, int Count) where T : unmanaged;

/// <summary>
/// Copies each record's text as a reader takes the row in, and hands the chunk's records over as a <see cref="SourceRows"/>
/// when the chunk goes (see <see cref="ColumnFeeder"/>). Buffers come back when the consumer is done with the chunk and are
/// filled again, as the column blocks are (see <see cref="Spares{TItem}"/>). Every chunk out holds a buffer, so a buffer
/// grows by a quarter, not double, and one made new is as large as the largest chunk's has had to be.
/// </summary>
internal sealed class SourceRecorder<T>(Func<SourceBuffers<T>, SourceRows> wrap) : ISourceRecorder where T : unmanaged
{
    private int _textSize = 256 * 1024;
    private int _endsSize = 1024;
    private readonly Spares<T[]> _textSpares = new();
    private readonly Spares<int[]> _endSpares = new();
    private T[] _text = [];
    private int[] _ends = [];
    private int _length;
    private int _count;

    /// <summary>The text of the row just taken in; call once for every row the feeder ends.</summary>
    public void Add(ReadOnlySpan<T> record)
    {
        if (_ends.Length == 0)
        {
            _text = _textSpares.Take() ?? new T[_textSize];
            _ends = _endSpares.Take() ?? new int[_endsSize];
        }
        if (_text.Length - _length < record.Length)
        {
            Array.Resize(ref _text, Math.Max(_length + record.Length, _text.Length + _text.Length / 4));
            _textSize = Math.Max(_textSize, _text.Length);
        }
        if (_count == _ends.Length)
        {
            Array.Resize(ref _ends, _ends.Length * 2);
            _endsSize = Math.Max(_endsSize, _ends.Length);
        }
        record.CopyTo(_text.AsSpan(_length));
        _length += record.Length;
        _ends[_count++] = _length;
    }

    public SourceRows Take()
    {
        var rows = wrap(new SourceBuffers<T>(this, _text, _ends, _count));
        _text = [];
        _ends = [];
        _length = 0;
        _count = 0;
        return rows;
    }

    /// <summary>Keeps a chunk's buffers to fill again; called from the consumer's thread.</summary>
    public void Recycle(T[] text, int[] ends)
    {
        if (ends.Length == 0)
        {
            return;
        }
        _textSpares.Return(text);
        _endSpares.Return(ends);
    }
}

/// <summary>A <see cref="SourceRecorder{T}"/> as the feeder sees it, whatever the text's element type.</summary>
internal interface ISourceRecorder
{
    /// <summary>The records added since the last call, as one chunk's source rows.</summary>
    SourceRows Take();
}
