using System.Text;
using ModelOps.Core.Data;

namespace ModelOps.Core.Tests.Data;

/// <summary>Turns test text and bytes into the streams the reader sees from blob storage.</summary>
internal static class CsvFiles
{
    public static Task<CsvReadResult> Read(string text, CsvReadOptions? options = null) =>
        Read(new UTF8Encoding(false).GetBytes(text), options);

    public static Task<CsvReadResult> Read(byte[] bytes, CsvReadOptions? options = null) =>
        CsvTableReader.ReadAsync(new ForwardOnlyStream(bytes), options);

    public static async Task<DataFileException> Fails(byte[] bytes, CsvReadOptions? options = null) =>
        await Assert.ThrowsAsync<DataFileException>(() => Read(bytes, options));

    public static Task<DataFileException> Fails(string text, CsvReadOptions? options = null) =>
        Fails(new UTF8Encoding(false).GetBytes(text), options);

    /// <summary>A stream that cannot seek and hands out a few bytes at a time, like a network download.</summary>
    private sealed class ForwardOnlyStream(byte[] bytes) : Stream
    {
        private readonly MemoryStream _inner = new(bytes);

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _inner.Position; set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, Math.Min(count, 1000));
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
