using System.Buffers;
using System.Text;

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
        Func<TableChunk, CancellationToken, ValueTask> onChunk, Action<RejectedRow>? onRejected, CancellationToken cancellationToken) =>
        (await ReadAnyAsync(stream, options, new ChunkedRead(chunkRows, onChunk, onRejected), cancellationToken).ConfigureAwait(false)).Streamed!;

    private static async Task<(CsvReadResult? Whole, ChunkedReadResult? Streamed)> ReadAnyAsync(Stream stream, CsvReadOptions options,
        ChunkedRead? chunks, CancellationToken cancellationToken)
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
        var output = chunks?.Output(names, options, cancellationToken);
        var source = new SourceRecorder<byte>(buffers => new JsonSourceRows(buffers, names));
        await using var feeder = new ColumnFeeder([], options.SampleRows, options.MinNumericShare, output, source);
        var columns = new JsonColumns(feeder, names, options);
        var parser = new JsonLineParser(columns, options);
        foreach (var known in options.KnownColumns)
        {
            columns.Add(known.Name, known.Kind);
        }
        var rejected = new ReadRejects(chunks?.OnRejected);
        var rowsRead = 0;
        var rowsKept = 0;
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
            if (parser.TryAdd(bytes) is { } reason)
            {
                rejected.Add(new RejectedRow(lineNumber, reason, [Truncate(bytes)]));
                continue;
            }
            rowsKept++;
            if (output is not null)
            {
                source.Add(bytes);
            }
            await feeder.EndRowAsync(lineNumber).ConfigureAwait(false);
        }

        if (rowsRead == 0)
        {
            throw new DataFileException(DataFileErrorCodes.EmptyFile, "The file is empty: it has no JSON lines.");
        }
        if (rejected.TooMany(rowsRead, rowsKept, options.MaxRaggedShare))
        {
            throw new DataFileException(DataFileErrorCodes.MalformedJson,
                $"{rejected.Count:N0} of {rowsRead:N0} lines are not JSON objects; the first is line {rejected.First!.RowNumber}, which {rejected.First.Reason}. " +
                "Each line must hold one JSON object, e.g. {\"age\": 42, \"plan\": \"basic\"}.");
        }
        if (columns.Count == 0)
        {
            throw new DataFileException(DataFileErrorCodes.HeaderOnly, "Every JSON object in the file is empty: there are no columns.");
        }
        var (whole, streamed) = await TableAssembler.CompleteAsync(columns.Names, feeder, output, options, DataFormats.JsonLines, "", "utf-8",
            rowsRead, rejected).ConfigureAwait(false);
        return (whole, streamed is null ? null : streamed with { LateColumns = columns.LateColumns() });
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
