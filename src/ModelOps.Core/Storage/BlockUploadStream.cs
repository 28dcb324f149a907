using System.Buffers;
using System.Buffers.Binary;
using Azure.Storage.Blobs.Specialized;

namespace ModelOps.Core.Storage;

/// <summary>
/// A write-only stream onto a block blob that uploads behind the writer: each full block (4 MB by default) is staged in
/// the background while the writer goes on producing the next, and <see cref="CompleteAsync"/> commits the blocks in
/// order, replacing the blob whole. The blob client's own write stream uploads a full buffer inside the <c>Write</c> that
/// filled it, so the writer waits for every block's round trip. Nothing here blocks a thread: <c>Write</c> only copies
/// and starts uploads, and the writer bounds the blocks in flight by awaiting <see cref="WaitForRoomAsync"/> between
/// pieces of work. Until <see cref="CompleteAsync"/> succeeds the blob keeps its previous content (a failed or abandoned
/// write leaves uncommitted blocks only, which the service discards). Each stream names its blocks with its own prefix, so
/// two writers of one blob (a retried activity and its first attempt) never mix: the first to complete wins whole and
/// the other's commit fails.
/// </summary>
public sealed class BlockUploadStream : Stream
{
    /// <summary>Bytes a block holds by default.</summary>
    public const int DefaultBlockBytes = 4 << 20;

    /// <summary>Blocks uploading at once by default, beyond which <see cref="WaitForRoomAsync"/> waits.</summary>
    public const int DefaultMaxInFlight = 4;

    private readonly BlockBlobClient _blob;
    private readonly int _blockBytes;
    private readonly int _maxInFlight;
    private readonly CancellationToken _cancellationToken;
    private readonly List<string> _blockIds = [];
    private readonly Queue<Task> _inFlight = new();
    private readonly byte[] _prefix = Guid.NewGuid().ToByteArray();
    private byte[]? _current;
    private int _filled;
    private long _written;
    private bool _completed;

    public BlockUploadStream(BlockBlobClient blob, int blockBytes = DefaultBlockBytes, int maxInFlight = DefaultMaxInFlight,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(blob);
        ArgumentOutOfRangeException.ThrowIfLessThan(blockBytes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxInFlight, 1);
        _blob = blob;
        _blockBytes = blockBytes;
        _maxInFlight = maxInFlight;
        _cancellationToken = cancellationToken;
    }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => !_completed;

    public override long Length => _written;

    public override long Position
    {
        get => _written;
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        ThrowIfAUploadFailed();
        while (!buffer.IsEmpty)
        {
            _current ??= ArrayPool<byte>.Shared.Rent(_blockBytes);
            var n = Math.Min(buffer.Length, _blockBytes - _filled);
            buffer[..n].CopyTo(_current.AsSpan(_filled));
            _filled += n;
            _written += n;
            buffer = buffer[n..];
            if (_filled == _blockBytes)
            {
                StageCurrent();
            }
        }
    }

    public override void WriteByte(byte value) => Write(new ReadOnlySpan<byte>(in value));

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>Copies, starts the uploads of the blocks it fills, then waits while too many are uploading.</summary>
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        await WaitForRoomAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Waits, without blocking a thread, until no more than the allowed blocks are uploading; rethrows an upload's failure.</summary>
    public async ValueTask WaitForRoomAsync(CancellationToken cancellationToken = default)
    {
        while (_inFlight.TryPeek(out var oldest) && (oldest.IsCompleted || _inFlight.Count > _maxInFlight))
        {
            await oldest.WaitAsync(cancellationToken).ConfigureAwait(false);
            _ = _inFlight.Dequeue();
        }
    }

    /// <summary>Uploads what is left, waits for every block and commits them in order: the blob now holds what was written.</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        if (_filled > 0 || _blockIds.Count == 0)
        {
            StageCurrent(); // an empty stream still commits: the blob then exists, empty
        }
        while (_inFlight.TryDequeue(out var upload))
        {
            await upload.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        await _blob.CommitBlockListAsync(_blockIds, cancellationToken: cancellationToken).ConfigureAwait(false);
        _completed = true;
    }

    /// <summary>Does nothing: blocks go up as they fill, and only <see cref="CompleteAsync"/> makes them the blob.</summary>
    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_completed)
        {
            // Abandoned (an exception on the way): the blob keeps its old content; let the uploads finish on their own.
            _completed = true;
            if (_current is { } buffer)
            {
                ArrayPool<byte>.Shared.Return(buffer);
                _current = null;
            }
        }
        base.Dispose(disposing);
    }

    public override ValueTask DisposeAsync()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }

    private void StageCurrent()
    {
        var buffer = _current ?? ArrayPool<byte>.Shared.Rent(1);
        var length = _filled;
        _current = null;
        _filled = 0;
        // Ids of one length, as the service requires: this stream's own prefix, so that two writers of the same blob (a
        // retried activity whose first attempt still runs) never stage over each other's blocks, then the block's index.
        Span<byte> raw = stackalloc byte[24];
        _prefix.CopyTo(raw);
        BinaryPrimitives.WriteInt64BigEndian(raw[16..], _blockIds.Count);
        var id = Convert.ToBase64String(raw);
        _blockIds.Add(id);
        _inFlight.Enqueue(StageAsync(id, buffer, length));
    }

    private async Task StageAsync(string id, byte[] buffer, int length)
    {
        try
        {
            using var content = new MemoryStream(buffer, 0, length, writable: false);
            await _blob.StageBlockAsync(id, content, cancellationToken: _cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void ThrowIfAUploadFailed()
    {
        if (_inFlight.TryPeek(out var oldest) && oldest.IsFaulted)
        {
            oldest.GetAwaiter().GetResult(); // already finished: rethrows its exception without waiting
        }
    }
}
