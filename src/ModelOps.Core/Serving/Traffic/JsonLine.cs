using System.Buffers;
using System.Text.Json;
using ModelOps.Core.Storage;

namespace ModelOps.Core.Serving.Traffic;

/// <summary>Serialises a value as one JSON line (UTF-8, ending in '\n') in a single exact-size array.</summary>
internal static class JsonLine
{
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    /// <summary>The line, or null when it would be longer than <paramref name="maxBytes"/> (newline included).</summary>
    public static byte[]? Serialize<T>(T value, int maxBytes)
    {
        // One reusable buffer and writer per thread keep the hot path to one allocation per line.
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(1024);
        var writer = t_writer ??= new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true });
        buffer.ResetWrittenCount();
        writer.Reset(buffer);
        try
        {
            JsonSerializer.Serialize(writer, value, Json.Options);
            writer.Flush();
            if (buffer.WrittenCount + 1 > maxBytes)
            {
                return null;
            }
            var line = GC.AllocateUninitializedArray<byte>(buffer.WrittenCount + 1);
            buffer.WrittenSpan.CopyTo(line);
            line[^1] = (byte)'\n';
            return line;
        }
        finally
        {
            // A huge record must not pin a huge buffer to the thread for good.
            if (buffer.Capacity > 1024 * 1024)
            {
                t_buffer = null;
                t_writer = null;
            }
        }
    }
}
