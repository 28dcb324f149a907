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
/// <param name="RowsRejected">Records left out (wrong field count).</param>
public sealed record CsvReadReport(
    string Delimiter,
    int RowsRead,
    int RowsRejected,
    IReadOnlyList<ColumnReadReport> Columns);

/// <summary>How one column was read.</summary>
/// <param name="KindInferred">False when the kind came from <see cref="CsvReadOptions.Schema"/>.</param>
/// <param name="Missing">Cells that were empty or a missing token (NA, N/A, null, NaN, ?).</param>
/// <param name="Unparseable">Cells that did not fit the column's kind (e.g. "abc" in a numeric column) and became missing.</param>
/// <param name="UnparseableExamples">Up to five distinct unparseable values, to show the user.</param>
public sealed record ColumnReadReport(
    string Name,
    ColumnKind Kind,
    bool KindInferred,
    int Missing,
    int Unparseable,
    IReadOnlyList<string> UnparseableExamples);

/// <summary>
/// Reads a CSV stream into a <see cref="Table"/>: header row required, delimiter detected, UTF-8 with or without BOM,
/// RFC 4180 quoting, kinds inferred per column. Unusable files fail with a <see cref="DataFileException"/>.
/// </summary>
public static class CsvTableReader
{
    private const int MaxInternedPerColumn = 100_000;

    /// <summary>Reads the whole stream (not seeking, not closing it) into a table.</summary>
    public static async Task<CsvReadResult> ReadAsync(Stream stream, CsvReadOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        options ??= CsvReadOptions.Default;
        options.Validate();
        if (stream.CanSeek && stream.Length - stream.Position > options.MaxBytes)
        {
            throw SniffedStream.TooLarge(options.MaxBytes);
        }

        var prefix = await CsvSniffer.ReadPrefixAsync(stream, cancellationToken).ConfigureAwait(false);
        CsvSniffer.CheckText(prefix, streamEnded: prefix.Length < CsvSniffer.PrefixBytes);
        var delimiter = options.Delimiter ?? CsvSniffer.DetectDelimiter(prefix);
        var bomLength = prefix.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0;
        if (prefix.Length > options.MaxBytes)
        {
            throw SniffedStream.TooLarge(options.MaxBytes);
        }

        var source = new SniffedStream(prefix[bomLength..], stream, options.MaxBytes - bomLength);
        using var text = new StreamReader(source, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true),
            detectEncodingFromByteOrderMarks: false, bufferSize: 64 * 1024, leaveOpen: true);
        try
        {
            return await ReadCoreAsync(text, delimiter, options, cancellationToken).ConfigureAwait(false);
        }
        catch (DecoderFallbackException e)
        {
            throw new DataFileException(DataFileErrorCodes.NotText,
                "Part of the file is not UTF-8 text. Save the file as CSV UTF-8; other encodings and binary files are not read.", e);
        }
        catch (CsvMissingHeadersException e)
        {
            throw new DataFileException(DataFileErrorCodes.EmptyFile, "The file is empty: it has no header row and no data.", e);
        }
        catch (CsvRecordTooLargeException e)
        {
            throw new DataFileException(DataFileErrorCodes.FieldTooLong,
                $"A row is too long to read (over {RecordBufferChars(options):N0} characters). The file probably has an unclosed quote.", e);
        }
        catch (CsvFormatException e)
        {
            throw new DataFileException(DataFileErrorCodes.MalformedCsv,
                $"Row {e.RowNumber + 1} has broken quoting (a field that opens a quote must close it, and a quote inside a quoted field is written twice: \"\").", e);
        }
    }

    private static int RecordBufferChars(CsvReadOptions options) => Math.Max(1 << 20, options.MaxFieldLength * 4);

    private static async Task<CsvReadResult> ReadCoreAsync(TextReader text, char delimiter, CsvReadOptions options, CancellationToken cancellationToken)
    {
        var csvOptions = new CsvDataReaderOptions
        {
            HasHeaders = true,
            Delimiter = delimiter,
            CsvStyle = CsvStyle.Standard,
            Culture = CultureInfo.InvariantCulture,
            BufferSize = 64 * 1024,
            MaxBufferSize = RecordBufferChars(options),
            OwnsReader = false,
            Comment = '\0', // no comment lines: "#REF!" or "#3" in the first field is data
        };
        await using var csv = await CsvDataReader.CreateAsync(text, csvOptions, cancellationToken).ConfigureAwait(false);

        var names = ReadHeader(csv, options);
        var columns = names.Select(_ => new ColumnBuilder()).ToArray();
        var rejected = new List<RejectedRow>();
        var rowNumbers = new List<long>();
        long recordNumber = 1;
        var rowsRead = 0;
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
            if (rowNumbers.Count == options.MaxRows)
            {
                throw new DataFileException(DataFileErrorCodes.TooManyRows,
                    $"The file has more than {options.MaxRows:N0} data rows, the limit. Sample it or raise the limit.");
            }
            for (var c = 0; c < names.Length; c++)
            {
                var field = csv.GetFieldSpan(c);
                if (field.Length > options.MaxFieldLength)
                {
                    throw new DataFileException(DataFileErrorCodes.FieldTooLong,
                        $"Row {recordNumber}, column '{names[c]}' has a value of {field.Length:N0} characters; the limit is {options.MaxFieldLength:N0}. The file may have an unclosed quote.");
                }
                columns[c].Add(field.Trim());
            }
            rowNumbers.Add(recordNumber);
        }

        if (rowsRead == 0)
        {
            throw new DataFileException(DataFileErrorCodes.HeaderOnly, "The file has a header row but no data rows.");
        }
        if (rejected.Count > 0 && (rowNumbers.Count == 0 || (rejected.Count > 1 && rejected.Count > options.MaxRaggedShare * rowsRead)))
        {
            var first = rejected[0];
            throw new DataFileException(DataFileErrorCodes.RaggedRows,
                $"{rejected.Count:N0} of {rowsRead:N0} data rows have a different number of fields than the header ({names.Length}); " +
                $"the first is row {first.RowNumber}, which {first.Reason}. " +
                $"Check the delimiter (read as {DescribeDelimiter(delimiter)}) and that values containing it are quoted.");
        }

        return Build(names, columns, options, delimiter.ToString(), rowsRead, rejected, rowNumbers);
    }

    private static string[] ReadHeader(CsvDataReader csv, CsvReadOptions options)
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
            var name = csv.GetName(i).Trim();
            names[i] = name.Length == 0 ? $"column_{i + 1}" : name;
        }
        var duplicates = names.GroupBy(n => n, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1).Select(g => $"'{g.Key}'").ToArray();
        if (duplicates.Length > 0)
        {
            throw new DataFileException(DataFileErrorCodes.DuplicateColumns,
                $"The header names {(duplicates.Length == 1 ? "a column" : "columns")} more than once (ignoring case): {string.Join(", ", duplicates)}. Column names must be unique.");
        }
        return names;
    }

    private static CsvReadResult Build(string[] names, ColumnBuilder[] builders, CsvReadOptions options, string delimiter,
        int rowsRead, List<RejectedRow> rejected, List<long> rowNumbers)
    {
        var schemaColumns = new ColumnSchema[names.Length];
        var data = new object[names.Length];
        var reports = new ColumnReadReport[names.Length];
        for (var c = 0; c < names.Length; c++)
        {
            var forced = options.Schema?.Find(names[c])?.Kind;
            var column = builders[c].Build(forced, options.MinNumericShare);
            schemaColumns[c] = new ColumnSchema(names[c], column.Kind);
            data[c] = column.Values;
            reports[c] = new ColumnReadReport(names[c], column.Kind, forced is null, column.Missing, column.Unparseable, column.UnparseableExamples);
        }
        var table = new Table(new TableSchema(schemaColumns), data);
        table = new Table(TableSchema.Infer(table), data);
        var report = new CsvReadReport(delimiter, rowsRead, rejected.Count, reports);
        return new CsvReadResult(table, rejected, report, rowNumbers);
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

    /// <summary>Collects one column's trimmed cells as text (repeated values share one string), then settles its kind.</summary>
    private sealed class ColumnBuilder
    {
        private readonly List<string?> _cells = [];
        private readonly Dictionary<string, string> _pool;
        private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _lookup;

        public ColumnBuilder()
        {
            _pool = new Dictionary<string, string>(StringComparer.Ordinal);
            _lookup = _pool.GetAlternateLookup<ReadOnlySpan<char>>();
        }

        public void Add(ReadOnlySpan<char> trimmed)
        {
            if (CellText.IsMissing(trimmed))
            {
                _cells.Add(null);
                return;
            }
            if (_lookup.TryGetValue(trimmed, out var pooled))
            {
                _cells.Add(pooled);
                return;
            }
            var value = trimmed.ToString();
            if (_pool.Count < MaxInternedPerColumn)
            {
                _pool.Add(value, value);
            }
            _cells.Add(value);
        }

        public BuiltColumn Build(ColumnKind? forced, double minNumericShare)
        {
            // One pass parses numbers (kept for a numeric column) and checks whether every value is a boolean token.
            var parsed = new double[_cells.Count];
            var nonMissing = 0;
            var numbers = 0;
            var allBoolean = true;
            for (var r = 0; r < parsed.Length; r++)
            {
                var cell = _cells[r];
                if (cell is null)
                {
                    parsed[r] = double.NaN;
                    continue;
                }
                nonMissing++;
                if (CellText.TryParseNumber(cell, out parsed[r]))
                {
                    numbers++;
                }
                else
                {
                    parsed[r] = double.NaN;
                }
                allBoolean = allBoolean && CellText.TryParseBoolean(cell, acceptDigits: false, out _);
            }
            var kind = forced ?? (nonMissing == 0 ? ColumnKind.Numeric
                : allBoolean ? ColumnKind.Boolean
                : numbers > 0 && numbers >= minNumericShare * nonMissing ? ColumnKind.Numeric
                : ColumnKind.Categorical);
            var missing = _cells.Count - nonMissing;
            switch (kind)
            {
                case ColumnKind.Categorical:
                    return new BuiltColumn(kind, _cells.ToArray(), missing, 0, []);
                case ColumnKind.Numeric when numbers == nonMissing:
                    return new BuiltColumn(kind, parsed, missing, 0, []);
            }

            var values = kind == ColumnKind.Numeric ? parsed : new double[_cells.Count];
            var unparseable = 0;
            var examples = new List<string>();
            for (var r = 0; r < values.Length; r++)
            {
                var cell = _cells[r];
                if (cell is null)
                {
                    values[r] = double.NaN;
                    continue;
                }
                var ok = kind == ColumnKind.Boolean
                    ? CellText.TryParseBoolean(cell, acceptDigits: true, out values[r])
                    : !double.IsNaN(values[r]);
                if (!ok)
                {
                    values[r] = double.NaN;
                    unparseable++;
                    if (examples.Count < 5 && !examples.Contains(cell))
                    {
                        examples.Add(cell);
                    }
                }
            }
            return new BuiltColumn(kind, values, missing, unparseable, examples);
        }
    }

    private sealed record BuiltColumn(ColumnKind Kind, object Values, int Missing, int Unparseable, IReadOnlyList<string> UnparseableExamples);
}
