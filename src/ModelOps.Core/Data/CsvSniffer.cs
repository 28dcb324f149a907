using System.Text;

namespace ModelOps.Core.Data;

/// <summary>
/// Looks at the start of a stream before any parsing: refuses binary content with a helpful message, and detects the delimiter.
/// </summary>
internal static class CsvSniffer
{
    public static readonly char[] Delimiters = [',', ';', '\t', '|'];

    /// <summary>How much of the file the binary and encoding checks look at.</summary>
    public const int TextCheckBytes = 1024;

    /// <summary>How much of the file is read ahead to find the header row for delimiter detection.</summary>
    public const int PrefixBytes = 16 * 1024;

    private static readonly (byte[] Magic, string What)[] Signatures =
    [
        ([0x50, 0x4B, 0x03, 0x04], "a ZIP archive (an .xlsx workbook is one); export it as CSV"),
        ([0x50, 0x4B, 0x05, 0x06], "an empty ZIP archive"),
        ([0x1F, 0x8B], "gzip-compressed; decompress it first"),
        ([0xD0, 0xCF, 0x11, 0xE0], "an old Excel (.xls) or Office document; export it as CSV"),
        ("PAR1"u8.ToArray(), "a Parquet file, not CSV"),
        ("%PDF"u8.ToArray(), "a PDF document"),
    ];

    /// <summary>Reads up to <see cref="PrefixBytes"/> from the stream and checks them; returns the bytes read.</summary>
    public static async Task<byte[]> ReadPrefixAsync(Stream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[PrefixBytes];
        var filled = 0;
        while (filled < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }
            filled += read;
        }
        return buffer[..filled];
    }

    /// <summary>Throws <see cref="DataFileException"/> when the prefix is empty, binary or not UTF-8.</summary>
    public static void CheckText(ReadOnlySpan<byte> prefix, bool streamEnded, bool utf16 = false)
    {
        foreach (var (magic, what) in Signatures)
        {
            if (prefix.StartsWith(magic))
            {
                throw new DataFileException(DataFileErrorCodes.NotText, $"This is not a CSV text file: it looks like {what}.");
            }
        }
        if (utf16)
        {
            var decoded = Encoding.Unicode.GetString(prefix.Length % 2 == 0 ? prefix[2..] : prefix[2..^1]);
            if (streamEnded && string.IsNullOrWhiteSpace(decoded.Replace("\uFFFE", "", StringComparison.Ordinal)))
            {
                throw new DataFileException(DataFileErrorCodes.EmptyFile, "The file is empty: it has no header row and no data.");
            }
            return; // NUL bytes are normal in UTF-16; invalid sequences fail while decoding
        }
        var body = prefix.StartsWith(Utf8Bom) ? prefix[Utf8Bom.Length..] : prefix;
        if (streamEnded && IsBlank(body))
        {
            throw new DataFileException(DataFileErrorCodes.EmptyFile, "The file is empty: it has no header row and no data.");
        }
        var checkedPart = body[..Math.Min(body.Length, TextCheckBytes)];
        var nul = checkedPart.IndexOf((byte)0);
        if (nul >= 0)
        {
            throw new DataFileException(DataFileErrorCodes.NotText, $"This is not a CSV text file: it contains binary data (a NUL byte at byte {nul}).");
        }
        var invalidAt = FirstInvalidUtf8(checkedPart, isFinal: streamEnded && checkedPart.Length == body.Length);
        if (invalidAt >= 0)
        {
            throw new DataFileException(DataFileErrorCodes.NotText,
                $"This is not UTF-8 text (an invalid byte at byte {invalidAt}). Save the file as CSV UTF-8; other encodings and binary files are not read.");
        }
    }

    /// <summary>The text encoding by byte-order mark: UTF-16 LE/BE, else UTF-8 (BOM optional). Decoders throw on invalid bytes.</summary>
    public static Encoding DetectEncoding(ReadOnlySpan<byte> prefix, out int bomLength, out string name)
    {
        if (prefix.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]))
        {
            bomLength = 2;
            name = "utf-16le";
            return new UnicodeEncoding(bigEndian: false, byteOrderMark: false, throwOnInvalidBytes: true);
        }
        if (prefix.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            bomLength = 2;
            name = "utf-16be";
            return new UnicodeEncoding(bigEndian: true, byteOrderMark: false, throwOnInvalidBytes: true);
        }
        bomLength = prefix.StartsWith(Utf8Bom) ? Utf8Bom.Length : 0;
        name = "utf-8";
        return new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    }

    /// <summary>The prefix as text, leniently: it may end inside a character.</summary>
    public static string Decode(ReadOnlySpan<byte> prefix, Encoding encoding, int bomLength)
    {
        var body = prefix[bomLength..];
        if (encoding is UnicodeEncoding && body.Length % 2 == 1)
        {
            body = body[..^1];
        }
        var lenient = encoding is not UnicodeEncoding ? Encoding.UTF8
            : prefix.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]) ? Encoding.BigEndianUnicode : Encoding.Unicode;
        return lenient.GetString(body);
    }

    /// <summary>
    /// The length of an Excel separator line (<c>sep=;</c> and its line break) at the start of the text, and the delimiter
    /// it names; 0 and null when there is none.
    /// </summary>
    public static int SeparatorLine(string text, out char? delimiter)
    {
        delimiter = null;
        if (text.Length < 5 || !text.StartsWith("sep=", StringComparison.OrdinalIgnoreCase) || Array.IndexOf(Delimiters, text[4]) < 0)
        {
            return 0;
        }
        var end = text.Length == 5 ? 5
            : text[5] == '\n' ? 6
            : text[5] == '\r' ? (text.Length > 6 && text[6] == '\n' ? 7 : 6)
            : -1;
        if (end < 0)
        {
            return 0; // "sep=;x" is data, not the hint
        }
        delimiter = text[4];
        return end;
    }

    /// <summary>The delimiter among <c>, ; \t |</c> that occurs most often outside quotes in the first row of the text; ',' when none does.</summary>
    public static char DetectDelimiter(string text)
    {
        Span<int> counts = stackalloc int[Delimiters.Length];
        var quoted = false;
        foreach (var ch in text)
        {
            if (ch == '"')
            {
                quoted = !quoted;
            }
            else if (!quoted && ch is '\n' or '\r')
            {
                break;
            }
            else if (!quoted)
            {
                var index = Array.IndexOf(Delimiters, ch);
                if (index >= 0)
                {
                    counts[index]++;
                }
            }
        }
        var best = 0;
        for (var i = 1; i < counts.Length; i++)
        {
            if (counts[i] > counts[best])
            {
                best = i;
            }
        }
        return Delimiters[best];
    }

    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    private static bool IsBlank(ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The offset of the first byte that is not valid UTF-8, or -1; a sequence cut off at the end is fine unless final.</summary>
    private static int FirstInvalidUtf8(ReadOnlySpan<byte> bytes, bool isFinal)
    {
        var offset = 0;
        while (offset < bytes.Length)
        {
            var status = System.Text.Rune.DecodeFromUtf8(bytes[offset..], out _, out var consumed);
            if (status == System.Buffers.OperationStatus.Done)
            {
                offset += consumed;
            }
            else if (status == System.Buffers.OperationStatus.NeedMoreData && !isFinal)
            {
                return -1;
            }
            else
            {
                return offset;
            }
        }
        return -1;
    }
}

/// <summary>Replays bytes already read ahead, then the rest of the inner stream, and stops at a byte limit.</summary>
internal sealed class SniffedStream(byte[] prefix, Stream inner, long maxBytes) : Stream
{
    private int _prefixPosition;
    private long _total;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _total; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var fromPrefix = ReadPrefix(buffer);
        return fromPrefix > 0 ? fromPrefix : Count(inner.Read(buffer));
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var fromPrefix = ReadPrefix(buffer.Span);
        return fromPrefix > 0 ? fromPrefix : Count(await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private int ReadPrefix(Span<byte> buffer)
    {
        var n = Math.Min(buffer.Length, prefix.Length - _prefixPosition);
        if (n <= 0)
        {
            return 0;
        }
        prefix.AsSpan(_prefixPosition, n).CopyTo(buffer);
        _prefixPosition += n;
        return Count(n);
    }

    private int Count(int read)
    {
        _total += read;
        if (_total > maxBytes)
        {
            throw TooLarge(maxBytes);
        }
        return read;
    }

    public static DataFileException TooLarge(long maxBytes) =>
        new(DataFileErrorCodes.TooLarge, $"The file is larger than the limit of {FormatBytes(maxBytes)}. Split it, sample it, or raise the limit.");

    private static string FormatBytes(long bytes) => bytes switch
    {
        >= 1L << 30 when bytes % (1L << 30) == 0 => $"{bytes >> 30} GiB",
        >= 1L << 20 when bytes % (1L << 20) == 0 => $"{bytes >> 20} MiB",
        >= 1L << 10 when bytes % (1L << 10) == 0 => $"{bytes >> 10} KiB",
        _ => $"{bytes:N0} bytes",
    };
}
