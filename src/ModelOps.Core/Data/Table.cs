using System.Runtime.InteropServices;

namespace ModelOps.Core.Data;

/// <summary>
/// An in-memory, column-oriented table: numeric, boolean and datetime columns are <c>double[]</c> (missing = NaN),
/// categorical and text columns are <c>string?[]</c> (missing = null). Cleaned data, training and scoring all use it.
/// </summary>
public sealed class Table
{
    private readonly object[] _columns;

    public Table(TableSchema schema, IReadOnlyList<object> columns)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(columns);
        if (schema.Columns.Count != columns.Count)
        {
            throw new ArgumentException($"The schema has {schema.Columns.Count} columns but {columns.Count} were given.", nameof(columns));
        }
        var rows = -1;
        for (var i = 0; i < columns.Count; i++)
        {
            var length = schema.Columns[i].Kind switch
            {
                ColumnKind.Categorical or ColumnKind.Text => columns[i] is string?[] s ? s.Length : throw WrongType(schema.Columns[i], "string?[]"),
                _ => columns[i] is double[] d ? d.Length : throw WrongType(schema.Columns[i], "double[]"),
            };
            if (rows >= 0 && length != rows)
            {
                throw new ArgumentException($"Column '{schema.Columns[i].Name}' has {length} rows; the others have {rows}.", nameof(columns));
            }
            rows = length;
        }
        Schema = schema;
        RowCount = Math.Max(rows, 0);
        _columns = [.. columns];
    }

    public TableSchema Schema { get; }

    public int RowCount { get; }

    public int ColumnCount => _columns.Length;

    public double[] Numeric(int column) => (double[])_columns[column];

    public double[] Numeric(string column) => Numeric(IndexOfOrThrow(column));

    public string?[] Categorical(int column) => (string?[])_columns[column];

    public string?[] Categorical(string column) => Categorical(IndexOfOrThrow(column));

    /// <summary>The raw column array (<c>double[]</c> or <c>string?[]</c>).</summary>
    public object Column(int column) => _columns[column];

    /// <summary>A new table with the given rows, in the given order.</summary>
    public Table SelectRows(IReadOnlyList<int> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var columns = new object[_columns.Length];
        var parallel = (long)rows.Count * _columns.Length > 1_000_000 ? Environment.ProcessorCount : 1;
        Parallel.For(0, _columns.Length, new ParallelOptions { MaxDegreeOfParallelism = parallel }, c =>
        {
            columns[c] = _columns[c] switch
            {
                double[] d => Gather(d, rows),
                string?[] s => Gather(s, rows),
                _ => throw new InvalidOperationException(),
            };
        });
        return new Table(Schema, columns);
    }

    /// <summary>Copies of the columns' values for rows [start, start + count).</summary>
    public object[] Slice(int start, int count) =>
        _columns.Select(c => c switch
        {
            double[] d => (object)d.AsSpan(start, count).ToArray(),
            string?[] s => s.AsSpan(start, count).ToArray(),
            _ => throw new InvalidOperationException(),
        }).ToArray();

    /// <summary>A new table with only the named columns, in the given order.</summary>
    public Table SelectColumns(IReadOnlyList<string> names)
    {
        var indexes = names.Select(IndexOfOrThrow).ToArray();
        return new Table(
            new TableSchema(indexes.Select(i => Schema.Columns[i]).ToArray()),
            indexes.Select(i => _columns[i]).ToArray());
    }

    private static T[] Gather<T>(T[] source, IReadOnlyList<int> rows)
    {
        var positions = Positions(rows);
        var result = new T[positions.Length];
        for (var i = 0; i < positions.Length; i++) result[i] = source[positions[i]];
        return result;
    }

    /// <summary>Row positions as a span, without an interface call per row: an array's, a segment's or a list's own, else a copy.</summary>
    internal static ReadOnlySpan<int> Positions(IReadOnlyList<int> rows) =>
        rows switch { int[] array => array, ArraySegment<int> segment => segment, List<int> list => CollectionsMarshal.AsSpan(list), _ => rows.ToArray() };

    private int IndexOfOrThrow(string column)
    {
        var index = Schema.IndexOf(column);
        return index >= 0 ? index : throw new KeyNotFoundException($"The table has no column '{column}'.");
    }

    private static ArgumentException WrongType(ColumnSchema column, string expected) =>
        new($"Column '{column.Name}' is {column.Kind} and must be a {expected}.");
}
