using System.Buffers;
using System.Text;
using System.Text.Json;

namespace ModelOps.Core.Data;

/// <summary>
/// Reads JSON lines (one JSON object per line, UTF-8) into a table: columns are the union of the keys in first-seen
/// order (a key missing from a row is a missing value), numbers and strings are inferred like CSV cells, true/false
/// are booleans, null is missing, nested objects and arrays are kept as their JSON text. A line that is not a JSON
/// object is rejected; too many such lines fail the file with <c>malformed_json</c>. Lines stream: only the current
/// chunk of rows is held (see <see cref="ChunkedReadResult.LateColumns"/> for keys first met after the first chunk).
/// </summary>
internal static class JsonLinesTableReader
{
    public static async Task<CsvReadResult> ReadAsync(Stream stream, CsvReadOptions options, CancellationToken cancellationToken) =>
        (await ReadAnyAsync(stream, options, null, cancellationToken).ConfigureAwait(false)).Whole!;

    /// <summary>Reads chunk by chunk, like <see cref="CsvTableReader.ReadChunksAsync"/>.</summary>
    public static async Task<ChunkedReadResult> ReadChunksAsync(Stream stream, CsvReadOptions options, int chunkRows,
        Func<TableChunk, CancellationToken, ValueTask> onChunk, CancellationToken cancellationToken) =>
        (await ReadAnyAsync(stream, options, (chunkRows, onChunk), cancellationToken).ConfigureAwait(false)).Streamed!;

    private static async Task<(CsvReadResult? Whole, ChunkedReadResult? Streamed)> ReadAnyAsync(Stream stream, CsvReadOptions options,
        (int Rows, Func<TableChunk, CancellationToken, ValueTask> OnChunk)? chunks, CancellationToken cancellationToken)
    {
        var prefix = await CsvSniffer.ReadPrefixAsync(stream, cancellationToken).ConfigureAwait(false);
        CsvSniffer.CheckText(prefix, streamEnded: prefix.Length < CsvSniffer.PrefixBytes);
        var first = FirstNonBlank(prefix);
        if (first == '[')
        {
            throw new DataFileException(DataFileErrorCodes.MalformedJson,
                "The file is one JSON array, not JSON lines. Write one JSON object per line (pandas: to_json(orient='records', lines=True)).");
        }

        var names = new List<string>(); // grows as keys are met, until the first chunk goes
        var output = chunks is { } c0 ? new ChunkOutput(names, c0.Rows, options.InferText, c0.OnChunk, cancellationToken) : null;
        await using var feeder = new ColumnFeeder([], options.SampleRows, options.MinNumericShare, output);
        var columns = new Columns(feeder, names, options);
        foreach (var known in options.KnownColumns)
        {
            columns.Add(known.Name, known.Kind);
        }
        var rejected = new List<RejectedRow>();
        var rowNumbers = chunks is null ? new ChunkedList<long>() : null;
        var rowsRead = 0;
        var rowsKept = 0;
        var seen = new bool[16];
        var chars = new char[256];
        var lines = new LineSplitter(new SniffedStream(prefix, stream, options.MaxBytes), options.MaxLineLength);
        long lineNumber = 0;
        while (await lines.NextAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            lineNumber++;
            var bytes = line.Span;
            if (lineNumber == 1 && bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
            {
                bytes = bytes[3..];
            }
            if (IsBlank(bytes))
            {
                continue;
            }
            rowsRead++;
            if (rowsKept == options.MaxRows)
            {
                throw new DataFileException(DataFileErrorCodes.TooManyRows,
                    $"The file has more than {options.MaxRows:N0} data rows, the limit. Sample it or raise the limit.");
            }
            if (Invalid(bytes) is { } reason)
            {
                rejected.Add(new RejectedRow(lineNumber, reason, [Truncate(bytes)]));
                continue;
            }
            if (seen.Length < columns.Count)
            {
                seen = new bool[Math.Max(columns.Count, seen.Length * 2)];
            }
            Array.Clear(seen);
            AddLine(bytes, columns, options, ref seen, ref chars);
            for (var c = 0; c < columns.Count; c++)
            {
                if (!seen[c])
                {
                    feeder.AddMissing(c);
                }
            }
            rowsKept++;
            rowNumbers?.Add(lineNumber);
            await feeder.EndRowAsync(lineNumber).ConfigureAwait(false);
        }

        if (rowsRead == 0)
        {
            throw new DataFileException(DataFileErrorCodes.EmptyFile, "The file is empty: it has no JSON lines.");
        }
        if (rejected.Count > 0 && (rowsKept == 0 || (rejected.Count > 1 && rejected.Count > options.MaxRaggedShare * rowsRead)))
        {
            throw new DataFileException(DataFileErrorCodes.MalformedJson,
                $"{rejected.Count:N0} of {rowsRead:N0} lines are not JSON objects; the first is line {rejected[0].RowNumber}, which {rejected[0].Reason}. " +
                "Each line must hold one JSON object, e.g. {\"age\": 42, \"plan\": \"basic\"}.");
        }
        if (columns.Count == 0)
        {
            throw new DataFileException(DataFileErrorCodes.HeaderOnly, "Every JSON object in the file is empty: there are no columns.");
        }
        if (output is null)
        {
            return (TableAssembler.Build(columns.Names, feeder.Builders, options, DataFormats.JsonLines, "", "utf-8", rowsRead, rejected, rowNumbers!.MoveToArray()), null);
        }
        var streamed = await TableAssembler.FinishChunksAsync(columns.Names, feeder.Builders, feeder, output, options, DataFormats.JsonLines, "",
            "utf-8", rowsRead, rejected).ConfigureAwait(false);
        return (null, streamed with { LateColumns = columns.LateColumns() });
    }

    /// <summary>
    /// The columns met so far, by key (ignoring case). A key first met after the first chunk has gone cannot join the
    /// stream's columns: its values go to a sample instead, which tells its kind for the next read (<see cref="LateColumns"/>).
    /// </summary>
    private sealed class Columns(ColumnFeeder feeder, List<string> names, CsvReadOptions options)
    {
        private readonly Dictionary<string, int> _index = new(StringComparer.OrdinalIgnoreCase);
        private readonly Dictionary<string, ColumnBuilder> _late = new(StringComparer.OrdinalIgnoreCase);
        private readonly List<string> _lateOrder = [];

        public List<string> Names => names;

        public int Count => names.Count;

        /// <summary>Where the value of <paramref name="key"/> in this line goes: its column (made if new), else the sample of
        /// a late key; <paramref name="column"/> is -1 for a late key, and the builder null once its sample is full.</summary>
        public ColumnBuilder? Find(string key, out int column)
        {
            if (_index.TryGetValue(key, out column))
            {
                return feeder.Builders[column];
            }
            if (feeder.ColumnsOpen)
            {
                column = Add(key, null);
                return feeder.Builders[column];
            }
            column = -1;
            if (!_late.TryGetValue(key, out var sample))
            {
                CheckRoom(names.Count + _late.Count);
                _late[key] = sample = new ColumnBuilder(CsvTableReader.ForcedKind(options, key));
                _lateOrder.Add(key);
            }
            return sample.Count < options.SampleRows ? sample : null;
        }

        /// <summary>A new column, missing in the rows before this one.</summary>
        public int Add(string key, ColumnKind? kindIfEmpty)
        {
            CheckRoom(names.Count);
            var column = names.Count;
            names.Add(key.Length == 0 ? $"column_{column + 1}" : key);
            _index[key] = column;
            feeder.AddColumn(new ColumnBuilder(CsvTableReader.ForcedKind(options, key), kindIfEmpty));
            return column;
        }

        private void CheckRoom(int columns)
        {
            if (columns == options.MaxColumns)
            {
                throw new DataFileException(DataFileErrorCodes.TooManyColumns,
                    $"The JSON objects have more than {options.MaxColumns:N0} distinct keys, the column limit. Drop unused keys or raise the limit.");
            }
        }

        /// <summary>The late keys in the order met, each with the kind its sampled values read as.</summary>
        public IReadOnlyList<ColumnSchema> LateColumns() =>
            _lateOrder.Select(key => new ColumnSchema(key, _late[key].Build(options.MinNumericShare, options.InferText).Kind)).ToArray();
    }

    /// <summary>Why a line is rejected, or null: checked whole first, so that a bad line adds nothing to any column.</summary>
    private static string? Invalid(ReadOnlySpan<byte> bytes)
    {
        try
        {
            var check = new Utf8JsonReader(bytes, new JsonReaderOptions { MaxDepth = 64 });
            if (!check.Read() || check.TokenType != JsonTokenType.StartObject)
            {
                return "is not a JSON object";
            }
            check.Skip();
            if (check.Read())
            {
                return "has more than one JSON value";
            }
            return null;
        }
        catch (JsonException e)
        {
            return $"is not valid JSON ({FirstSentence(e.Message)})";
        }
    }

    /// <summary>Adds one valid object's values to its columns and marks them <paramref name="seen"/>.</summary>
    private static void AddLine(ReadOnlySpan<byte> bytes, Columns columns, CsvReadOptions options, ref bool[] seen, ref char[] chars)
    {
        var reader = new Utf8JsonReader(bytes);
        reader.Read();
        Span<char> number = stackalloc char[64];
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!.Trim();
            reader.Read();
            var target = columns.Find(name, out var column);
            if (target is null || (column >= 0 && column < seen.Length && seen[column]))
            {
                reader.Skip();
                continue; // a late key whose sample is full, or a repeated key: the first value wins
            }
            if (column >= 0)
            {
                if (seen.Length <= column)
                {
                    Array.Resize(ref seen, Math.Max(column + 1, seen.Length * 2));
                }
                seen[column] = true;
            }
            switch (reader.TokenType)
            {
                case JsonTokenType.Null:
                    target.AddMissing();
                    break;
                case JsonTokenType.True:
                    target.Add("true");
                    break;
                case JsonTokenType.False:
                    target.Add("false");
                    break;
                case JsonTokenType.String:
                    var length = reader.HasValueSequence ? (int)reader.ValueSequence.Length : reader.ValueSpan.Length;
                    if (chars.Length < length)
                    {
                        chars = new char[Math.Max(length, chars.Length * 2)];
                    }
                    var written = reader.CopyString(chars);
                    if (written > options.MaxFieldLength)
                    {
                        throw new DataFileException(DataFileErrorCodes.FieldTooLong,
                            $"A value of key '{name}' has {written:N0} characters; the limit is {options.MaxFieldLength:N0}.");
                    }
                    target.Add(chars.AsSpan(0, written).Trim());
                    break;
                case JsonTokenType.Number when reader.ValueSpan.Length <= number.Length:
                    target.Add(number[..Encoding.UTF8.GetChars(reader.ValueSpan, number)]);
                    break;
                case JsonTokenType.Number:
                    target.Add(Encoding.UTF8.GetString(reader.ValueSpan));
                    break;
                default:
                    var start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    target.Add(Encoding.UTF8.GetString(bytes[start..(int)reader.BytesConsumed]));
                    break;
            }
        }
    }

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return (end > 0 ? message[..end] : message).TrimEnd('.');
    }

    private static string Truncate(ReadOnlySpan<byte> bytes)
    {
        var text = Encoding.UTF8.GetString(bytes[..Math.Min(bytes.Length, 1000)]);
        return text.Length < bytes.Length ? text + "..." : text;
    }

    private static char FirstNonBlank(ReadOnlySpan<byte> prefix)
    {
        var body = prefix.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? prefix[3..] : prefix;
        foreach (var b in body)
        {
            if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
            {
                return (char)b;
            }
        }
        return '\0';
    }

    private static bool IsBlank(ReadOnlySpan<byte> bytes) => bytes.Trim(" \t\r\n"u8).IsEmpty;

    /// <summary>Splits a byte stream on <c>\n</c> (a trailing <c>\r</c> stays and is blank to JSON), with a line-length limit in bytes.</summary>
    private sealed class LineSplitter(Stream stream, int maxLineLength)
    {
        private byte[] _buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        private int _start;
        private int _end;
        private bool _eof;
        private long _line;

        public async ValueTask<ReadOnlyMemory<byte>?> NextAsync(CancellationToken cancellationToken)
        {
            while (true)
            {
                var newline = _buffer.AsSpan(_start, _end - _start).IndexOf((byte)'\n');
                if (newline > maxLineLength)
                {
                    throw CsvTableReader.LineTooLong(_line + 1, maxLineLength);
                }
                if (newline >= 0)
                {
                    var line = _buffer.AsMemory(_start, newline);
                    _start += newline + 1;
                    _line++;
                    return line;
                }
                if (_end - _start > maxLineLength)
                {
                    throw CsvTableReader.LineTooLong(_line + 1, maxLineLength);
                }
                if (_eof)
                {
                    if (_start == _end)
                    {
                        ArrayPool<byte>.Shared.Return(_buffer);
                        _buffer = [];
                        return null;
                    }
                    var last = _buffer.AsMemory(_start, _end - _start);
                    _start = _end;
                    _line++;
                    return last;
                }
                if (_start > 0)
                {
                    Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                    _end -= _start;
                    _start = 0;
                }
                if (_end == _buffer.Length)
                {
                    var bigger = ArrayPool<byte>.Shared.Rent(_buffer.Length * 2);
                    Buffer.BlockCopy(_buffer, 0, bigger, 0, _end);
                    ArrayPool<byte>.Shared.Return(_buffer);
                    _buffer = bigger;
                }
                var read = await stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    _eof = true;
                }
                _end += read;
            }
        }
    }
}
