using System.Buffers;
using System.Text.Json;
using System.Threading.Channels;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ModelOps.Core.Storage;

namespace ModelOps.Core.Serving.Traffic;

/// <summary>
/// The host's log of scored rows: writes are cheap and never touch storage (a bounded buffer); a background writer
/// appends them in batches to <c>traffic/{model}/{yyyy}/{MM}/{dd}/{HH}/{host}-{n}.jsonl</c>. One per host; thread-safe.
/// </summary>
public sealed class TrafficLog : IAsyncDisposable
{
    private readonly TrafficLogOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<PendingLine> _buffer;
    private readonly JsonLinesAppender _appender;
    private readonly ArrayBufferWriter<byte> _block = new(64 * 1024);
    private readonly CancellationTokenSource _abandon = new();
    private readonly Lock _startLock = new();
    private Task? _writer;
    private long _written, _dropped, _rejected, _failedFlushes, _inFlush;

    public TrafficLog(BlobServiceClient blobs, TrafficLogOptions options, TimeProvider time, ILogger<TrafficLog>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(blobs);
        ArgumentNullException.ThrowIfNull(time);
        _options = (options ?? throw new ArgumentNullException(nameof(options))).EnsureValid();
        _time = time;
        _logger = logger ?? NullLogger<TrafficLog>.Instance;
        // Wait mode in the channel itself: TryWrite then fails when full, so every drop is ours to count.
        _buffer = Channel.CreateBounded<PendingLine>(new BoundedChannelOptions(_options.Capacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = false,
        });
        _appender = new JsonLinesAppender(blobs.GetBlobContainerClient(StorageLayout.Traffic), _options.Host,
            _options.MaxBlobBytes, _options.MaxBlobBlocks);
    }

    /// <summary>The clock that stamps requests and picks hour folders.</summary>
    public TimeProvider Time => _time;

    public TrafficLogCounters Counters => new(
        Interlocked.Read(ref _written),
        Interlocked.Read(ref _dropped),
        Interlocked.Read(ref _rejected),
        _buffer.Reader.Count + Interlocked.Read(ref _inFlush),
        Interlocked.Read(ref _failedFlushes),
        _appender.BlobsOpened);

    /// <summary>Starts the background writer (with the host); records written before are kept in the buffer.</summary>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        lock (_startLock)
        {
            _writer ??= Task.Run(RunAsync, CancellationToken.None);
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// Stops taking records and appends every buffered one. When <paramref name="cancellationToken"/> fires first
    /// (storage down at shutdown), what is left is counted as dropped and the call returns.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        _buffer.Writer.TryComplete();
        await StartAsync(CancellationToken.None);
        using (cancellationToken.Register(static s => ((CancellationTokenSource)s!).Cancel(), _abandon))
        {
            await _writer!;
        }
    }

    /// <summary>Stops as <see cref="StopAsync"/> does, giving the final flush at most <see cref="TrafficLogOptions.ShutdownTimeout"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(_options.ShutdownTimeout, _time);
        await StopAsync(timeout.Token);
        _abandon.Dispose();
    }

    /// <summary>Logs one record without waiting: false when it was dropped (buffer full, stopped) or rejected (too large), each counted.</summary>
    public bool TryWrite(TrafficRecord record)
    {
        if (Serialize(record) is not { } line)
        {
            return false;
        }
        if (_buffer.Writer.TryWrite(line))
        {
            return true;
        }
        CountDrop();
        return false;
    }

    /// <summary>
    /// Logs one record honouring <see cref="TrafficLogOptions.FullMode"/>: with <see cref="TrafficFullMode.Wait"/> a full
    /// buffer makes the caller wait for room (at most <see cref="TrafficLogOptions.WaitTimeout"/>); false when dropped or rejected.
    /// </summary>
    public async ValueTask<bool> WriteAsync(TrafficRecord record, CancellationToken cancellationToken = default)
    {
        if (Serialize(record) is not { } line)
        {
            return false;
        }
        if (_buffer.Writer.TryWrite(line))
        {
            return true;
        }
        if (_options.FullMode == TrafficFullMode.Wait)
        {
            using var timeout = new CancellationTokenSource(_options.WaitTimeout, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
            try
            {
                await _buffer.Writer.WriteAsync(line, linked.Token);
                return true;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Waited long enough: dropped below.
            }
            catch (ChannelClosedException)
            {
                // Stopped while waiting: dropped below.
            }
            catch (OperationCanceledException)
            {
                CountDrop();
                throw;
            }
        }
        CountDrop();
        return false;
    }

    /// <summary>
    /// Logs every row of one predict request without waiting, stamped with <see cref="Time"/>'s now; returns how many rows
    /// were taken. <paramref name="latency"/> is the whole request's scoring time.
    /// </summary>
    public int TryWriteRequest(ModelName model, int version, string requestId,
        IReadOnlyList<IReadOnlyDictionary<string, JsonElement>> rows, IReadOnlyList<Prediction> predictions, TimeSpan latency)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(predictions);
        ArgumentOutOfRangeException.ThrowIfNotEqual(predictions.Count, rows.Count);
        var now = _time.GetUtcNow();
        var taken = 0;
        for (var i = 0; i < rows.Count; i++)
        {
            var record = new TrafficRecord(requestId, i, now, model, version, rows[i], predictions[i], latency.TotalMilliseconds, rows.Count);
            taken += TryWrite(record) ? 1 : 0;
        }
        return taken;
    }

    private PendingLine? Serialize(TrafficRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        TrafficValidation.ThrowIfInvalid(record);
        var line = JsonLine.Serialize(record, _options.MaxRecordBytes);
        if (line is null)
        {
            Interlocked.Increment(ref _rejected);
            return null;
        }
        return new PendingLine(TrafficStream.Requests(record.Model, record.Time), line);
    }

    private void CountDrop()
    {
        var dropped = Interlocked.Increment(ref _dropped);
        if (dropped == 1 || dropped % 10_000 == 0)
        {
            _logger.BufferFull(_options.Capacity, dropped);
        }
    }

    private async Task RunAsync()
    {
        var batch = new List<PendingLine>(_options.MaxBatch);
        var reader = _buffer.Reader;
        while (await reader.WaitToReadAsync(CancellationToken.None))
        {
            await FillAsync(reader, batch);
            await FlushAsync(batch);
            batch.Clear();
        }
        var c = Counters;
        _logger.Stopped(c.Written, c.Dropped, c.Rejected, c.FailedFlushes);
    }

    /// <summary>Takes records until the batch is large or the oldest has waited a flush interval.</summary>
    private async Task FillAsync(ChannelReader<PendingLine> reader, List<PendingLine> batch)
    {
        var started = _time.GetTimestamp();
        long bytes = 0;
        while (batch.Count < _options.MaxBatch && bytes < _options.MaxBlockBytes)
        {
            if (reader.TryRead(out var line))
            {
                batch.Add(line);
                bytes += line.Line.Length;
                Interlocked.Increment(ref _inFlush);
                continue;
            }
            var left = _options.FlushInterval - _time.GetElapsedTime(started);
            if (left <= TimeSpan.Zero || reader.Completion.IsCompleted)
            {
                return;
            }
            using var timer = new CancellationTokenSource(left, _time);
            try
            {
                if (!await reader.WaitToReadAsync(timer.Token))
                {
                    return;
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task FlushAsync(List<PendingLine> batch)
    {
        // Lines of a stream keep their order; streams are few per batch (models x hours). Blocks are built in one
        // buffer kept for the life of the log: a fresh large array per flush would land on the large object heap and
        // bring on full collections, which pause the requests being served.
        foreach (var group in batch.GroupBy(l => l.Stream))
        {
            var count = 0;
            foreach (var line in group)
            {
                if (_block.WrittenCount + line.Line.Length > _options.MaxBlockBytes && count > 0)
                {
                    await AppendBlockAsync(group.Key, count);
                    count = 0;
                }
                _block.Write(line.Line);
                count++;
            }
            if (count > 0)
            {
                await AppendBlockAsync(group.Key, count);
            }
        }
    }

    private async Task AppendBlockAsync(TrafficStream stream, int count)
    {
        await AppendWithRetryAsync(stream, _block.WrittenMemory, count);
        Interlocked.Add(ref _inFlush, -count);
        _block.ResetWrittenCount();
    }

    private async Task AppendWithRetryAsync(TrafficStream stream, ReadOnlyMemory<byte> block, int count)
    {
        var delay = _options.RetryDelay;
        for (var attempt = 1; ; attempt++)
        {
            if (_abandon.IsCancellationRequested)
            {
                GiveUp(count);
                return;
            }
            try
            {
                await _appender.AppendAsync(stream, block, _abandon.Token);
                Interlocked.Add(ref _written, count);
                return;
            }
            catch (OperationCanceledException) when (_abandon.IsCancellationRequested)
            {
                GiveUp(count);
                return;
            }
            catch (Exception e)
            {
                // Storage slow or down: the buffer fills meanwhile, and writers drop or wait as configured.
                Interlocked.Increment(ref _failedFlushes);
                _logger.AppendFailed(e, stream.Model, count, attempt, delay);
                try
                {
                    await Task.Delay(delay, _time, _abandon.Token);
                }
                catch (OperationCanceledException)
                {
                    GiveUp(count);
                    return;
                }
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxRetryDelay.Ticks));
            }
        }
    }

    private void GiveUp(int count)
    {
        Interlocked.Add(ref _dropped, count);
        _logger.GaveUp(count);
    }

    private readonly record struct PendingLine(TrafficStream Stream, byte[] Line);
}
