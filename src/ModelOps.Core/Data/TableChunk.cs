namespace ModelOps.Core.Data;

/// <summary>A run of consecutive rows of a larger data set, with each row's number in its source file (header = 1).</summary>
public sealed record TableChunk(Table Rows, long[] RowNumbers)
{
    /// <summary>The rows as the file has them, when the reader kept them (CSV and JSON lines, streamed).</summary>
    internal SourceRows? Source { get; init; }

    /// <summary>The chunks' rows as one table with <paramref name="schema"/> (the chunks' columns, e.g. with ranges), and
    /// each row's number.</summary>
    public static (Table Table, long[] RowNumbers) Concat(IReadOnlyList<TableChunk> chunks, TableSchema schema)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        ArgumentNullException.ThrowIfNull(schema);
        var rows = chunks.Sum(c => c.Rows.RowCount);
        var columns = new object[schema.Columns.Count];
        for (var c = 0; c < columns.Length; c++)
        {
            columns[c] = schema.Columns[c].Kind.IsString() ? Gather<string?>(chunks, c, rows) : Gather<double>(chunks, c, rows);
        }
        return (new Table(schema, columns), chunks.SelectMany(c => c.RowNumbers).ToArray());
    }

    private static T[] Gather<T>(IReadOnlyList<TableChunk> chunks, int column, int rows)
    {
        var all = new T[rows];
        var at = 0;
        foreach (var chunk in chunks)
        {
            var values = (T[])chunk.Rows.Column(column);
            values.CopyTo(all, at);
            at += values.Length;
        }
        return all;
    }
}
