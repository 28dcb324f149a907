using System.IO.Pipelines;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace ModelOps.Core.Storage;

/// <summary>
/// A write-only stream uploaded to a block blob while it is written: blocks of 4 MB go up in the background, up to four
/// at a time, and the writer waits only when it is 16 MB ahead of the upload (a blob's own write stream makes it wait for
/// every block). Disposing finishes the upload; the blob appears, replacing any before it, when the last block is in.
/// </summary>
public sealed class BlobUploadStream : Stream
{
    private const int BlockBytes = 4 << 20;
    private readonly Pipe _pipe = new(new PipeOptions(pauseWriterThreshold: 16 << 20, resumeWriterThreshold: 8 << 20, useSynchronizationContext: false));
    private readonly Stream _writer;
    private readonly Task _upload;
    private bool _disposed;

    public BlobUploadStream(BlobClient blob, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        _writer = _pipe.Writer.AsStream();
        _upload = UploadAsync(blob, cancellationToken);
    }

    private async Task UploadAsync(BlobClient blob, CancellationToken cancellationToken)
    {
        await Task.Yield(); // the writer starts at once; the upload reads beside it
        try
        {
            await using var source = _pipe.Reader.AsStream();
            await blob.UploadAsync(source, new BlobUploadOptions
            {
                TransferOptions = new StorageTransferOptions { MaximumConcurrency = 4, InitialTransferSize = BlockBytes, MaximumTransferSize = BlockBytes },
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            await _pipe.Reader.CompleteAsync(e).ConfigureAwait(false); // a writer held back by a full pipe is let go
            throw;
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ThrowIfUploadEnded();
        _writer.Write(buffer);
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ThrowIfUploadEnded();
        await _writer.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush() => _writer.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => _writer.FlushAsync(cancellationToken);

    public override async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        await _writer.DisposeAsync().ConfigureAwait(false); // completes the pipe: the upload sends the rest and commits
        await _upload.ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            _writer.Dispose();
            _upload.GetAwaiter().GetResult();
        }
        base.Dispose(disposing);
    }

    // The upload ends before the writer only when it failed: say why instead of writing into nothing.
    private void ThrowIfUploadEnded()
    {
        if (_upload.IsCompleted)
        {
            _upload.GetAwaiter().GetResult();
            throw new IOException("The upload ended before the stream was finished.");
        }
    }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => !_disposed;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
