namespace ModelOps.Core.Data;

/// <summary>
/// The fields of some rows of a chunk, one row at a time, each given as text without a string made for it: what a row
/// set aside goes to quarantine from (<see cref="RejectedRowLog"/>). A file that is half duplicates sets aside half its
/// rows, so a string a field there was most of the pass's allocations. <see cref="Copy"/> keeps the current row's fields,
/// for a log kept in memory.
/// </summary>
internal abstract class SourceFields : IDisposable
{
    /// <summary>Moves to the next of the rows asked for; false past the last.</summary>
    public abstract bool MoveNext();

    /// <summary>Fields a row has: the chunk's columns.</summary>
    public abstract int Width { get; }

    /// <summary>The text of one field of the current row; false when it is missing.</summary>
    public abstract bool TryGet(int column, out ReadOnlySpan<char> text);

    /// <summary>The current row's fields, kept (missing ones null).</summary>
    public virtual IReadOnlyList<string?> Copy()
    {
        var values = new string?[Width];
        for (var c = 0; c < values.Length; c++)
        {
            values[c] = TryGet(c, out var text) ? new string(text) : null;
        }
        return values;
    }

    public virtual void Dispose()
    {
    }
}

/// <summary>Rows of a parsed table, formatted as the table's writer writes them: for readers that keep no source text.</summary>
internal sealed class TableFields(Table table, IReadOnlyList<int> rows) : SourceFields
{
    private int _next = -1;

    public override int Width => table.ColumnCount;

    public override bool MoveNext() => ++_next < rows.Count;

    public override bool TryGet(int column, out ReadOnlySpan<char> text)
    {
        var value = CellText.Format(table, column, rows[_next]);
        text = value;
        return value is not null;
    }

    /// <summary>Copies the row's values, not their text: formatted only when read, a tenth of the memory.</summary>
    public override IReadOnlyList<string?> Copy() => new RowValues(table, rows[_next]);
}

/// <summary>
/// One row's values, copied out of its chunk (numbers as numbers, strings by reference) and formatted only when read,
/// e.g. when the quarantine file is written.
/// </summary>
internal sealed class RowValues : IReadOnlyList<string?>
{
    private readonly TableSchema _schema;
    private readonly double[] _numbers;
    private readonly string?[] _strings;

    public RowValues(Table table, int row)
    {
        _schema = table.Schema;
        _numbers = new double[table.ColumnCount];
        _strings = new string?[table.ColumnCount];
        for (var c = 0; c < table.ColumnCount; c++)
        {
            if (table.Column(c) is double[] d) _numbers[c] = d[row];
            else _strings[c] = ((string?[])table.Column(c))[row];
        }
    }

    public int Count => _numbers.Length;

    public string? this[int index]
    {
        get
        {
            var kind = _schema.Columns[index].Kind;
            return kind.IsString() ? _strings[index] : CellText.Format(kind, _numbers[index]);
        }
    }

    public IEnumerator<string?> GetEnumerator()
    {
        for (var i = 0; i < Count; i++) yield return this[i];
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
