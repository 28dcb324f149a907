using System.Globalization;
using System.Text;
using Sylvan.Data.Csv;

namespace ModelOps.Core.Data;

/// <summary>What <see cref="CsvTableReader"/> read: the table, the rows it left out, and how it understood each column.</summary>
/// <param name="RowNumbers">For each table row, its row number in the file (header = 1), to report rejections later.</param>
public sealed record CsvReadResult(
    Table Table,
    IReadOnlyList<RejectedRow> Rejected,
    CsvReadReport Report,
    IReadOnlyList<long> RowNumbers);

/// <summary>A JSON-serialisable account of one CSV read.</summary>
/// <param name="Delimiter">The field delimiter used, e.g. "," or "\t".</param>
/// <param name="RowsRead">Data records in the file, blank lines excluded.</param>
/// <param name="RowsRejected">Records left out (wrong field count, or a JSON line that is not an object).</param>
/// <param name="Format"><c>csv</c>, <c>jsonl</c> or <c>parquet</c>.</param>
/// <param name="Encoding"><c>utf-8</c>, <c>utf-16le</c> or <c>utf-16be</c> for text formats; <c>binary</c> for Parquet.</param>
/// <param name="HasHeader">CSV: whether the first row named the columns (else they are <c>column_1</c>, ...).</param>
/// <remarks>Named for CSV, where it began; every reader (<see cref="DataFileReader"/>) returns it.</remarks>
public sealed record CsvReadReport(
    string Delimiter,
    int RowsRead,
    int RowsRejected,
    IReadOnlyList<ColumnReadReport> Columns,
    string Format = DataFormats.Csv,
    string Encoding = "utf-8",
    bool HasHeader = true);

/// <summary>How one column was read.</summary>
/// <param name="KindInferred">False when the kind came from <see cref="CsvReadOptions.Schema"/>.</param>
/// <param name="Missing">Cells that were empty or a missing token (NA, N/A, null, NaN, ?).</param>
/// <param name="Unparseable">Cells that did not fit the column's kind (e.g. "abc" in a numeric column) and became missing.</param>
/// <param name="UnparseableExamples">Up to five distinct unparseable values, to show the user.</param>
/// <param name="Coerced">Cells that needed coercion to fit the kind (e.g. <c>1,234.5</c> read as 1234.5).</param>
/// <param name="NonFinite">Cells holding NaN or (+/-)inf(inity); they are read as missing and included in <see cref="Missing"/>.</param>
public sealed record ColumnReadReport(
    string Name,
    ColumnKind Kind,
    bool KindInferred,
    int Missing,
    int Unparseable,
    IReadOnlyList<string> UnparseableExamples,
    int Coerced = 0,
    int NonFinite = 0);

/// <summary>
/// Reads a CSV stream into a <see cref="Table"/>: header row required, delimiter detected, UTF-8 with or without BOM or
/// UTF-16 with a BOM, RFC 4180 quoting, kinds inferred per column. Values are parsed into typed column buffers as the
/// file streams (kinds settled on the first <see cref="CsvReadOptions.SampleRows"/> rows, falling back to text when
/// later values disagree). Unusable files fail with a <see cref="DataFileException"/>.
/// </summary>
public static class CsvTableReader
{
    /// <summary>Reads the whole stream (not seeking, not closing it) into a table.</summary>
    public static async Task<CsvReadResult> ReadAsync(Stream stream, CsvReadOptions? options = null, CancellationToken cancellationToken = default) =>
        (await ReadAnyAsync(stream, options, null, cancellationToken).ConfigureAwait(false)).Whole!;

    /// <summary>
    /// Reads the stream in chunks of about <paramref name="chunkRows"/> rows, each handed to <paramref name="onChunk"/> before
    /// the next is parsed, so memory stays bounded by the chunk size. A chunk's arrays are reused once the call returns:
    /// copy what must outlive it. Kinds are settled on the first
    /// <see cref="CsvReadOptions.SampleRows"/> rows and frozen at the first chunk; a file of one chunk reads exactly as
    /// <see cref="ReadAsync"/> does. See <see cref="ChunkedReadResult.ColumnsToReread"/> for columns whose kind did not hold.
    /// </summary>
    /// <param name="onRejected">Where the rows that cannot be read go as they are found (on the reader's thread), instead of
    /// <see cref="ChunkedReadResult.Rejected"/>.</param>
    public static async Task<ChunkedReadResult> ReadChunksAsync(Stream stream, CsvReadOptions? options, int chunkRows,
        Func<TableChunk, CancellationToken, ValueTask> onChunk, CancellationToken cancellationToken = default, Action<RejectedRow>? onRejected = null)
    {
        ArgumentNullException.ThrowIfNull(onChunk);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkRows, 1);
        return (await ReadAnyAsync(stream, options, new ChunkedRead(chunkRows, onChunk, onRejected), cancellationToken).ConfigureAwait(false)).Streamed!;
    }

    private static async Task<(CsvReadResult? Whole, ChunkedReadResult? Streamed)> ReadAnyAsync(Stream stream, CsvReadOptions? options,
        ChunkedRead? chunks, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        options ??= CsvReadOptions.Default;
        options.Validate();
        if (stream.CanSeek && stream.Length - stream.Position > options.MaxBytes)
        {
            throw SniffedStream.TooLarge(options.MaxBytes);
        }

        var prefix = await CsvSniffer.ReadPrefixAsync(stream, cancellationToken).ConfigureAwait(false);
        var encoding = CsvSniffer.DetectEncoding(prefix, out var bomLength, out var encodingName);
        CsvSniffer.CheckText(prefix, streamEnded: prefix.Length < CsvSniffer.PrefixBytes, utf16: bomLength == 2);
        var start = CsvSniffer.Decode(prefix, encoding, bomLength);
        // Excel's "sep=;" hint line names the delimiter; the header comes after it.
        var hint = CsvSniffer.SeparatorLine(start, out var named);
        var body = start[hint..];
        var delimiter = options.Delimiter ?? named ?? CsvSniffer.DetectDelimiter(body);
        var hasHeader = options.HasHeader ?? CsvHeaderSniffer.HasHeader(body, delimiter, complete: prefix.Length < CsvSniffer.PrefixBytes);
        if (prefix.Length > options.MaxBytes)
        {
            throw SniffedStream.TooLarge(options.MaxBytes);
        }

        var skip = bomLength + encoding.GetByteCount(start.AsSpan(0, hint));
        var source = new SniffedStream(prefix[skip..], stream, options.MaxBytes - skip);
        using var text = new StreamReader(source, encoding, detectEncodingFromByteOrderMarks: false, bufferSize: 64 * 1024, leaveOpen: true);
        try
        {
            return await ReadCoreAsync(text, delimiter, hasHeader, hint > 0 ? 1 : 0, encodingName, options, chunks, cancellationToken).ConfigureAwait(false);
        }
        catch (DecoderFallbackException e)
        {
            throw new DataFileException(DataFileErrorCodes.NotText,
                $"Part of the file is not {encodingName.ToUpperInvariant()} text. Save the file as CSV UTF-8; other encodings and binary files are not read.", e);
        }
        catch (CsvMissingHeadersException e)
        {
            throw new DataFileException(DataFileErrorCodes.EmptyFile, "The file is empty: it has no header row and no data.", e);
        }
        catch (CsvRecordTooLargeException e)
        {
            throw new DataFileException(DataFileErrorCodes.LineTooLong,
                $"A row is too long to read (over {RecordBufferChars(options):N0} characters). The file probably has an unclosed quote.", e);
        }
        catch (CsvFormatException e)
        {
            throw new DataFileException(DataFileErrorCodes.MalformedCsv,
                $"Row {e.RowNumber + 1} has broken quoting (a field that opens a quote must close it, and a quote inside a quoted field is written twice: \"\").", e);
        }
    }

    private static int RecordBufferChars(CsvReadOptions options) => Math.Max(64 * 1024, Math.Min(options.MaxLineLength, Math.Max(1 << 20, options.MaxFieldLength * 4)));

    /// <param name="linesBefore">Lines before the first record (a <c>sep=</c> hint), so that row numbers stay line numbers.</param>
    private static async Task<(CsvReadResult? Whole, ChunkedReadResult? Streamed)> ReadCoreAsync(TextReader text, char delimiter, bool hasHeader, int linesBefore, string encodingName,
        CsvReadOptions options, ChunkedRead? chunks, CancellationToken cancellationToken)
    {
        var csvOptions = new CsvDataReaderOptions
        {
            HasHeaders = hasHeader,
            Delimiter = delimiter,
            CsvStyle = CsvStyle.Standard,
            Culture = CultureInfo.InvariantCulture,
            BufferSize = 64 * 1024,
            MaxBufferSize = RecordBufferChars(options),
            OwnsReader = false,
            Comment = '\0', // no comment lines: "#REF!" or "#3" in the first field is data
        };
        await using var csv = await CsvDataReader.CreateAsync(text, csvOptions, cancellationToken).ConfigureAwait(false);

        var names = ReadHeader(csv, hasHeader, options);
        // Where commas do not separate fields, they may be decimal commas (European exports: 3,14 with ';' between fields).
        var columns = names.Select(n => new ColumnBuilder(ForcedKind(options, n), decimalCommas: delimiter != ',')).ToArray();
        var rejected = new ReadRejects(chunks?.OnRejected);
        var rowsKept = 0;
        long recordNumber = linesBefore + (hasHeader ? 1 : 0);
        var rowsRead = 0;
        var output = chunks?.Output(names, options, cancellationToken);
        var source = new SourceRecorder<char>(buffers => new CsvSourceRows(buffers, delimiter, names.Length, RecordBufferChars(options)));
        await using var feeder = new ColumnFeeder(columns, options.SampleRows, options.MinNumericShare, output, source);
        while (await csv.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            recordNumber++;
            var fieldCount = csv.RowFieldCount;
            if (fieldCount == 0 || (fieldCount == 1 && names.Length > 1 && csv.GetFieldSpan(0).Trim().IsEmpty))
            {
                continue; // a blank line
            }
            rowsRead++;
            if (fieldCount != names.Length && !(fieldCount > names.Length && ExtraFieldsBlank(csv, names.Length)))
            {
                rejected.Add(new RejectedRow(recordNumber,
                    $"has {fieldCount} fields but the header has {names.Length}", ReadAllFields(csv)));
                continue;
            }
            if (rowsKept == options.MaxRows)
            {
                throw new DataFileException(DataFileErrorCodes.TooManyRows,
                    $"The file has more than {options.MaxRows:N0} data rows, the limit. Sample it or raise the limit.");
            }
            var lineLength = names.Length - 1;
            for (var c = 0; c < names.Length; c++)
            {
                var field = csv.GetFieldSpan(c);
                if (field.Length > options.MaxFieldLength)
                {
                    throw new DataFileException(DataFileErrorCodes.FieldTooLong,
                        $"Row {recordNumber}, column '{names[c]}' has a value of {field.Length:N0} characters; the limit is {options.MaxFieldLength:N0}. The file may have an unclosed quote.");
                }
                lineLength += field.Length;
                feeder.Add(c, field.Trim());
            }
            if (lineLength > options.MaxLineLength)
            {
                throw LineTooLong(recordNumber, options.MaxLineLength);
            }
            rowsKept++;
            if (output is not null)
            {
                source.Add(csv.GetRawRecordSpan());
            }
            await feeder.EndRowAsync(recordNumber).ConfigureAwait(false);
        }

        if (rowsRead == 0)
        {
            throw new DataFileException(DataFileErrorCodes.HeaderOnly, "The file has a header row but no data rows.");
        }
        if (rejected.TooMany(rowsRead, rowsKept, options.MaxRaggedShare))
        {
            var first = rejected.First!;
            throw new DataFileException(DataFileErrorCodes.RaggedRows,
                $"{rejected.Count:N0} of {rowsRead:N0} data rows have a different number of fields than the header ({names.Length}); " +
                $"the first is row {first.RowNumber}, which {first.Reason}. " +
                $"Check the delimiter (read as {DescribeDelimiter(delimiter)}) and that values containing it are quoted.");
        }

        return await TableAssembler.CompleteAsync(names, feeder, output, options, DataFormats.Csv, delimiter.ToString(), encodingName, rowsRead,
            rejected, hasHeader).ConfigureAwait(false);
    }

    internal static ColumnKind? ForcedKind(CsvReadOptions options, string name) => options.Schema?.Find(name)?.Kind ?? options.UndeclaredKind;

    internal static DataFileException LineTooLong(long row, int maxLineLength) =>
        new(DataFileErrorCodes.LineTooLong,
            $"Row {row} is longer than {maxLineLength:N0} characters, the limit. The file may have an unclosed quote or be a single-line dump.");

    private static string[] ReadHeader(CsvDataReader csv, bool hasHeader, CsvReadOptions options)
    {
        var count = csv.FieldCount;
        if (count > options.MaxColumns)
        {
            throw new DataFileException(DataFileErrorCodes.TooManyColumns,
                $"The header has {count:N0} columns; the limit is {options.MaxColumns:N0}. Drop unused columns or raise the limit.");
        }
        var names = new string[count];
        for (var i = 0; i < count; i++)
        {
            var name = hasHeader ? csv.GetName(i).Trim() : "";
            names[i] = name.Length == 0 ? $"column_{i + 1}" : name;
        }
        TableAssembler.CheckUniqueNames(names);
        return names;
    }

    private static bool ExtraFieldsBlank(CsvDataReader csv, int from)
    {
        for (var i = from; i < csv.RowFieldCount; i++)
        {
            if (!csv.GetFieldSpan(i).Trim().IsEmpty)
            {
                return false;
            }
        }
        return true;
    }

    private static string?[] ReadAllFields(CsvDataReader csv)
    {
        var values = new string?[csv.RowFieldCount];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = csv.GetFieldSpan(i).ToString();
        }
        return values;
    }

    private static string DescribeDelimiter(char delimiter) => delimiter switch
    {
        '\t' => "tab",
        ',' => "comma",
        ';' => "semicolon",
        '|' => "pipe",
        _ => $"'{delimiter}'",
    };
}

/// <summary>What a chunked read found once every chunk has been handed on.</summary>
/// <param name="Schema">The kinds of every chunk's columns.</param>
/// <param name="ColumnsToReread">Columns whose kind, frozen at the first chunk, did not hold for the whole file (e.g.
/// yes/no for a while, then other words): read the file again with <see cref="CsvReadOptions.Schema"/> declaring them categorical.
/// Empty in almost every file.</param>
public sealed record ChunkedReadResult(
    TableSchema Schema,
    CsvReadReport Report,
    IReadOnlyList<RejectedRow> Rejected,
    IReadOnlyList<string> ColumnsToReread)
{
    /// <summary>
    /// JSON lines keys first met after the first chunk had gone, too late to be columns of this read (their values were
    /// skipped), with the kind their first values suggest: read the file again with <see cref="CsvReadOptions.KnownColumns"/>
    /// naming every column. Usually empty.
    /// </summary>
    public IReadOnlyList<ColumnSchema> LateColumns { get; init; } = [];

    /// <summary>Whether the chunks did not hold the whole file as it is, and it must be read again.</summary>
    public bool MustReread => ColumnsToReread.Count > 0 || LateColumns.Count > 0;
}

/// <summary>Turns the column builders of any reader into a <see cref="CsvReadResult"/>.</summary>
internal static class TableAssembler
{
    /// <summary>
    /// After the last row: a whole read builds its table; a chunked read hands on the last rows (a file that fit in one
    /// chunk is built as a whole read would be) and reports what it found.
    /// </summary>
    /// <param name="output">Where the chunks went; null for a whole read.</param>
    /// <param name="hasHeader">CSV: whether the first row named the columns.</param>
    public static async Task<(CsvReadResult? Whole, ChunkedReadResult? Streamed)> CompleteAsync(IReadOnlyList<string> names, ColumnFeeder feeder,
        ChunkOutput? output, CsvReadOptions options, string format, string delimiter, string encoding, int rowsRead, ReadRejects rejected,
        bool hasHeader = true)
    {
        var builders = feeder.Builders;
        if (output is null)
        {
            return (Build(names, builders, options, format, delimiter, encoding, rowsRead, rejected, feeder.TakePendingRowNumbers(), hasHeader), null);
        }
        if (feeder.ChunksEmitted == 0)
        {
            await feeder.CompleteAsync().ConfigureAwait(false);
            var rowNumbers = feeder.TakePendingRowNumbers();
            var source = feeder.TakePendingSource();
            var whole = Build(names, builders, options, format, delimiter, encoding, rowsRead, rejected, rowNumbers, hasHeader);
            var schema = new TableSchema(whole.Table.Schema.Columns.Select(c => new ColumnSchema(c.Name, c.Kind)).ToArray());
            try
            {
                await output.OnChunk(new TableChunk(new Table(schema, Enumerable.Range(0, whole.Table.ColumnCount).Select(whole.Table.Column).ToArray()), rowNumbers)
                {
                    Source = source,
                }, output.CancellationToken).ConfigureAwait(false);
            }
            finally
            {
                source?.Release();
            }
            return (null, new ChunkedReadResult(schema, whole.Report, rejected.Kept, []));
        }
        if (feeder.PendingRows > 0)
        {
            await feeder.EmitAsync().ConfigureAwait(false);
        }
        await feeder.CompleteAsync().ConfigureAwait(false);
        var reports = new ColumnReadReport[names.Count];
        var reread = new List<string>();
        for (var c = 0; c < names.Count; c++)
        {
            reports[c] = builders[c].StreamReport(names[c], CsvTableReader.ForcedKind(options, names[c]) is null);
            if (!builders[c].StreamFits(options.MinNumericShare))
            {
                reread.Add(names[c]);
            }
        }
        var report = new CsvReadReport(delimiter, rowsRead, rejected.Count, reports, format, encoding, hasHeader);
        return (null, new ChunkedReadResult(output.Schema!, report, rejected.Kept, reread));
    }

    public static void CheckUniqueNames(IReadOnlyList<string> names)
    {
        var duplicates = names.GroupBy(n => n, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1).Select(g => $"'{g.Key}'").ToArray();
        if (duplicates.Length > 0)
        {
            throw new DataFileException(DataFileErrorCodes.DuplicateColumns,
                $"The header names {(duplicates.Length == 1 ? "a column" : "columns")} more than once (ignoring case): {string.Join(", ", duplicates)}. Column names must be unique.");
        }
    }

    private static CsvReadResult Build(IReadOnlyList<string> names, ColumnBuilder[] builders, CsvReadOptions options, string format,
        string delimiter, string encoding, int rowsRead, ReadRejects rejected, long[] rowNumbers, bool hasHeader)
    {
        var schemaColumns = new ColumnSchema[names.Count];
        var data = new object[names.Count];
        var reports = new ColumnReadReport[names.Count];
        for (var c = 0; c < names.Count; c++)
        {
            var forced = CsvTableReader.ForcedKind(options, names[c]);
            var column = builders[c].Build(options.MinNumericShare, options.InferText);
            builders[c] = null!; // let the builder's buffers go while the next column is built
            schemaColumns[c] = new ColumnSchema(names[c], column.Kind);
            data[c] = column.Values;
            reports[c] = new ColumnReadReport(names[c], column.Kind, forced is null, column.Missing, column.Unparseable,
                column.UnparseableExamples, column.Coerced, column.NonFinite);
        }
        var table = new Table(new TableSchema(schemaColumns), data);
        table = new Table(TableSchema.Infer(table), data);
        var report = new CsvReadReport(delimiter, rowsRead, rejected.Count, reports, format, encoding, hasHeader);
        return new CsvReadResult(table, rejected.Kept, report, rowNumbers);
    }
}
