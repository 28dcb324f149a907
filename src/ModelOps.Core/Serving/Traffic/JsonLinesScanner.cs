using System.Buffers;
using System.Runtime.CompilerServices;

namespace ModelOps.Core.Serving.Traffic;

/// <summary>One line of a JSON-lines blob, valid until the next is read; <see cref="Overlong"/> lines were skipped unread.</summary>
/// <param name="End">How many bytes of the stream come up to the end of this line, its newline included.</param>
/// <param name="Unterminated">The stream's last line, with no newline after it (a later append may go on with it).</param>
internal readonly record struct ScannedLine(ReadOnlyMemory<byte> Bytes, bool Overlong, long End = 0, bool Unterminated = false);

/// <summary>Splits a stream into lines with bounded memory: a line longer than the limit is skipped, not buffered.</summary>
internal static class JsonLinesScanner
{
    public static async IAsyncEnumerable<ScannedLine> ReadAsync(Stream stream, int maxLineBytes,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(64 * 1024, maxLineBytes + 1));
        try
        {
            int start = 0, end = 0;
            long based = 0; // the stream's bytes before buffer[0]
            var skipping = false;
            while (true)
            {
                int newline;
                while ((newline = buffer.AsSpan(start, end - start).IndexOf((byte)'\n')) >= 0)
                {
                    var line = new ScannedLine(Trim(buffer.AsMemory(start, newline)), skipping, based + start + newline + 1);
                    skipping = false;
                    start += newline + 1;
                    if (line.Overlong || !line.Bytes.IsEmpty)
                    {
                        yield return line;
                    }
                }
                if (start > 0)
                {
                    buffer.AsSpan(start, end - start).CopyTo(buffer);
                    end -= start;
                    based += start;
                    start = 0;
                }
                if (end == buffer.Length)
                {
                    if (buffer.Length > maxLineBytes)
                    {
                        // Too long to be a record: drop what we have and skip to the next newline.
                        skipping = true;
                        based += end;
                        end = 0;
                    }
                    else
                    {
                        var larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, maxLineBytes + 1));
                        buffer.AsSpan(0, end).CopyTo(larger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = larger;
                    }
                }
                var read = await stream.ReadAsync(buffer.AsMemory(end), cancellationToken);
                if (read == 0)
                {
                    var last = new ScannedLine(Trim(buffer.AsMemory(0, end)), skipping, based + end, Unterminated: true);
                    if (last.Overlong || !last.Bytes.IsEmpty)
                    {
                        yield return last;
                    }
                    yield break;
                }
                end += read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static ReadOnlyMemory<byte> Trim(ReadOnlyMemory<byte> line) =>
        line.Length > 0 && line.Span[^1] == (byte)'\r' ? line[..^1] : line;
}
