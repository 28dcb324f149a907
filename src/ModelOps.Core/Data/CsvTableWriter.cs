using System.Text;

namespace ModelOps.Core.Data;

/// <summary>
/// Writes tables and rejected rows as RFC 4180 CSV (UTF-8 without BOM, comma, <c>\n</c>). Numbers are written in a
/// round-trip invariant format, booleans as true/false, missing values as empty fields, so that
/// <see cref="CsvTableReader"/> given the table's schema reads back the same table.
/// </summary>
public static class CsvTableWriter
{
    /// <summary>The name of the column that says why a row was rejected.</summary>
    public const string ReasonColumn = "reason";

    /// <summary>The name of the column with the rejected row's number in the source file.</summary>
    public const string RowColumn = "row";

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>Writes the table with a header row; leaves the stream open.</summary>
    public static Task WriteAsync(Table table, Stream stream, CancellationToken cancellationToken = default) =>
        WriteAsync(table, stream, header: true, cancellationToken);

    /// <summary>Writes the table's rows, after a header row when <paramref name="header"/> (a file written chunk by chunk
    /// has it once); leaves the stream open.</summary>
    public static async Task WriteAsync(Table table, Stream stream, bool header, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(stream);
        await using var writer = CreateWriter(stream);
        var fields = new string?[table.ColumnCount];
        if (header)
        {
            await WriteRecordAsync(writer, table.Schema.Columns.Select(c => c.Name).ToArray(), cancellationToken).ConfigureAwait(false);
        }
        for (var r = 0; r < table.RowCount; r++)
        {
            for (var c = 0; c < fields.Length; c++)
            {
                fields[c] = CellText.Format(table, c, r);
            }
            await WriteRecordAsync(writer, fields, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Writes rejected rows as <c>row,reason,{columns...}</c>, for <c>quarantine/{runId}/rejected.csv</c>. Cells that a
    /// spreadsheet would run as a formula (starting with = + - @ and not a number) are written with a leading <c>'</c>. A ragged row with
    /// more fields than <paramref name="columns"/> keeps them in extra columns named <c>extra_1</c>, <c>extra_2</c>, ...
    /// </summary>
    /// <param name="columns">The source file's column names (e.g. the read table's schema names).</param>
    public static Task<long> WriteRejectedAsync(IReadOnlyList<string> columns, IEnumerable<RejectedRow> rows, Stream stream,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(rows);
        var list = rows as IReadOnlyList<RejectedRow> ?? rows.ToArray();
        var width = Math.Max(columns.Count, list.Count == 0 ? 0 : list.Max(r => r.Values.Count));
        return WriteRejectedAsync(columns, width, list.ToAsyncEnumerable(), stream, cancellationToken);
    }

    /// <summary>
    /// Writes rejected rows as the overload above does, streamed: <paramref name="width"/> (at least the column count) is
    /// the most fields any row has, since the header comes first. Returns the number of rows written.
    /// </summary>
    public static async Task<long> WriteRejectedAsync(IReadOnlyList<string> columns, int width, IAsyncEnumerable<RejectedRow> rows,
        Stream stream, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, columns.Count);
        var header = new List<string?> { RowColumn, ReasonColumn };
        header.AddRange(columns);
        header.AddRange(Enumerable.Range(1, width - columns.Count).Select(i => $"extra_{i}"));

        await using var writer = CreateWriter(stream);
        await WriteRecordAsync(writer, header, cancellationToken).ConfigureAwait(false);
        var fields = new string?[header.Count];
        long written = 0;
        await foreach (var row in rows.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            if (row.Values.Count > width)
            {
                throw new ArgumentException($"Rejected row {row.RowNumber} has {row.Values.Count} fields, more than the {width} the header was written for.", nameof(rows));
            }
            written++;
            Array.Clear(fields);
            fields[0] = row.RowNumber.ToString(System.Globalization.CultureInfo.InvariantCulture);
            fields[1] = row.Reason;
            for (var i = 0; i < row.Values.Count; i++)
            {
                // Quarantine files are opened by people in spreadsheets: neutralise formula-like cells (OWASP CSV injection).
                var value = row.Values[i];
                fields[i + 2] = value is not null && DataValidator.IsFormulaLike(value) ? "'" + value : value;
            }
            await WriteRecordAsync(writer, fields, cancellationToken).ConfigureAwait(false);
        }
        return written;
    }

    private static StreamWriter CreateWriter(Stream stream) =>
        new(stream, Utf8, bufferSize: 64 * 1024, leaveOpen: true) { NewLine = "\n" };

    // Each record is built in memory, then written with WriteAsync, so the StreamWriter flushes to (blob) streams asynchronously.
    private static async Task WriteRecordAsync(StreamWriter writer, IReadOnlyList<string?> fields, CancellationToken cancellationToken)
    {
        var record = new StringBuilder();
        for (var i = 0; i < fields.Count; i++)
        {
            if (i > 0)
            {
                record.Append(',');
            }
            AppendField(record, fields[i]);
        }
        record.Append('\n');
        await writer.WriteAsync(record, cancellationToken).ConfigureAwait(false);
    }

    // Fields holding any delimiter the reader might detect are quoted too, so detection (which skips quoted text) stays on ','.
    private static void AppendField(StringBuilder record, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return;
        }
        var needsQuotes = value.AsSpan().IndexOfAny(",;\t|\"\r\n") >= 0 || char.IsWhiteSpace(value[0]) || char.IsWhiteSpace(value[^1]);
        if (!needsQuotes)
        {
            record.Append(value);
            return;
        }
        record.Append('"').Append(value.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
    }
}
