using System.Buffers;
using System.Text;
using System.Text.Json;

namespace ModelOps.Core.Data;

/// <summary>
/// Reads JSON lines (one JSON object per line, UTF-8) into a table: columns are the union of the keys in first-seen
/// order (a key missing from a row is a missing value), numbers and strings are inferred like CSV cells, true/false
/// are booleans, null is missing, nested objects and arrays are kept as their JSON text. A line that is not a JSON
/// object is rejected; too many such lines fail the file with <c>malformed_json</c>.
/// </summary>
internal static class JsonLinesTableReader
{
    public static async Task<CsvReadResult> ReadAsync(Stream stream, CsvReadOptions options, CancellationToken cancellationToken)
    {
        var prefix = await CsvSniffer.ReadPrefixAsync(stream, cancellationToken).ConfigureAwait(false);
        CsvSniffer.CheckText(prefix, streamEnded: prefix.Length < CsvSniffer.PrefixBytes);
        var first = FirstNonBlank(prefix);
        if (first == '[')
        {
            throw new DataFileException(DataFileErrorCodes.MalformedJson,
                "The file is one JSON array, not JSON lines. Write one JSON object per line (pandas: to_json(orient='records', lines=True)).");
        }

        var names = new List<string>();
        var index = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var builders = new List<ColumnBuilder>();
        var rejected = new List<RejectedRow>();
        var rowNumbers = new ChunkedList<long>();
        var seen = new bool[16];
        var rowsRead = 0;
        var nextSettle = options.SampleRows;
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
            if (rowNumbers.Count == options.MaxRows)
            {
                throw new DataFileException(DataFileErrorCodes.TooManyRows,
                    $"The file has more than {options.MaxRows:N0} data rows, the limit. Sample it or raise the limit.");
            }
            Array.Clear(seen);
            var reason = ParseLine(bytes, names, index, builders, options, rowNumbers.Count, ref seen, ref chars);
            if (reason is not null)
            {
                rejected.Add(new RejectedRow(lineNumber, reason, [Truncate(bytes)]));
                continue;
            }
            for (var c = 0; c < builders.Count; c++)
            {
                if (!seen[c])
                {
                    builders[c].AddMissing();
                }
            }
            rowNumbers.Add(lineNumber);
            if (rowNumbers.Count == nextSettle)
            {
                foreach (var builder in builders)
                {
                    builder.Settle(options.MinNumericShare);
                }
                nextSettle *= 2;
            }
        }

        if (rowsRead == 0)
        {
            throw new DataFileException(DataFileErrorCodes.EmptyFile, "The file is empty: it has no JSON lines.");
        }
        if (rejected.Count > 0 && (rowNumbers.Count == 0 || (rejected.Count > 1 && rejected.Count > options.MaxRaggedShare * rowsRead)))
        {
            throw new DataFileException(DataFileErrorCodes.MalformedJson,
                $"{rejected.Count:N0} of {rowsRead:N0} lines are not JSON objects; the first is line {rejected[0].RowNumber}, which {rejected[0].Reason}. " +
                "Each line must hold one JSON object, e.g. {\"age\": 42, \"plan\": \"basic\"}.");
        }
        if (names.Count == 0)
        {
            throw new DataFileException(DataFileErrorCodes.HeaderOnly, "Every JSON object in the file is empty: there are no columns.");
        }
        return TableAssembler.Build(names, [.. builders], options, DataFormats.JsonLines, "", "utf-8", rowsRead, rejected, rowNumbers.MoveToArray());
    }

    /// <summary>Adds one object's values to the builders; returns why the line is rejected, or null.</summary>
    private static string? ParseLine(ReadOnlySpan<byte> bytes, List<string> names, Dictionary<string, int> index,
        List<ColumnBuilder> builders, CsvReadOptions options, int rowsSoFar, ref bool[] seen, ref char[] chars)
    {
        // Validate the whole line first so a bad line adds nothing to any column.
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
        }
        catch (JsonException e)
        {
            return $"is not valid JSON ({FirstSentence(e.Message)})";
        }

        var reader = new Utf8JsonReader(bytes);
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!.Trim();
            reader.Read();
            if (!index.TryGetValue(name, out var column))
            {
                if (names.Count == options.MaxColumns)
                {
                    throw new DataFileException(DataFileErrorCodes.TooManyColumns,
                        $"The JSON objects have more than {options.MaxColumns:N0} distinct keys, the column limit. Drop unused keys or raise the limit.");
                }
                column = names.Count;
                names.Add(name.Length == 0 ? $"column_{column + 1}" : name);
                index[name] = column;
                var builder = new ColumnBuilder(CsvTableReader.ForcedKind(options, name));
                for (var r = 0; r < rowsSoFar; r++)
                {
                    builder.AddMissing();
                }
                builders.Add(builder);
                if (seen.Length <= column)
                {
                    Array.Resize(ref seen, seen.Length * 2);
                }
            }
            if (seen[column])
            {
                reader.Skip();
                continue; // a repeated key: the first value wins
            }
            seen[column] = true;
            var target = builders[column];
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
        return null;
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
