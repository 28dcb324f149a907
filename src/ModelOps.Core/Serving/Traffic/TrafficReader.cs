using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ModelOps.Core.Storage;

namespace ModelOps.Core.Serving.Traffic;

/// <summary>What a read of traffic or feedback saw; filled in as the records stream.</summary>
public sealed class TrafficReadStats
{
    /// <summary>Blobs opened.</summary>
    public int Blobs { get; internal set; }

    /// <summary>Records returned (inside the window).</summary>
    public long Records { get; internal set; }

    /// <summary>Lines that were not a readable record (bad JSON, missing fields, too long); skipped.</summary>
    public long CorruptLines { get; internal set; }
}

/// <summary>The records of a traffic window, oldest first, and what the read skipped.</summary>
public sealed record TrafficWindow(IReadOnlyList<TrafficRecord> Records, int Blobs, long CorruptLines);

/// <summary>
/// Reads a model's scored requests in a time window [from, to), listing only the hour folders (or whole days) the
/// window covers and streaming each blob line by line; unreadable lines are skipped and counted.
/// </summary>
/// <param name="keptWindowBytes">Most memory the windows kept between reads take in all (see <see cref="TrafficFrameRequest.KeepBetweenReads"/>).</param>
public sealed class TrafficReader(BlobServiceClient blobs, ILogger<TrafficReader>? logger = null, long keptWindowBytes = 1L << 30)
{
    /// <summary>Longest line read; longer ones are skipped as corrupt. The log writes at most 64 KiB per record by default.</summary>
    public const int MaxLineBytes = 1024 * 1024;

    private readonly BlobContainerClient _container = blobs.GetBlobContainerClient(StorageLayout.Traffic);
    private readonly ILogger _logger = logger ?? NullLogger<TrafficReader>.Instance;
    /// <summary>The windows kept between reads (<see cref="TrafficFrameRequest.KeepBetweenReads"/>).</summary>
    internal TrafficWindowCache KeptWindows { get; } = new(logger ?? (ILogger)NullLogger<TrafficReader>.Instance) { MaxBytes = keptWindowBytes };

    /// <summary>Streams the model's records with <c>from &lt;= Time &lt; to</c>, in blob order (not sorted).</summary>
    public IAsyncEnumerable<TrafficRecord> ReadAsync(ModelName model, DateTimeOffset from, DateTimeOffset to,
        TrafficReadStats? stats = null, CancellationToken cancellationToken = default) =>
        ReadLinesAsync(model, feedback: false, from, to, ParseTraffic, r => r.Time, stats ?? new(), cancellationToken);

    /// <summary>The model's records with <c>from &lt;= Time &lt; to</c>, sorted by time, request id and row.</summary>
    public async Task<TrafficWindow> ReadWindowAsync(ModelName model, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        var stats = new TrafficReadStats();
        var records = new List<TrafficRecord>();
        await foreach (var record in ReadAsync(model, from, to, stats, cancellationToken))
        {
            records.Add(record);
        }
        records.Sort(static (a, b) =>
        {
            var c = a.Time.CompareTo(b.Time);
            c = c != 0 ? c : string.CompareOrdinal(a.RequestId, b.RequestId);
            return c != 0 ? c : a.Row.CompareTo(b.Row);
        });
        return new TrafficWindow(records, stats.Blobs, stats.CorruptLines);
    }

    /// <summary>Streams the model's feedback labels received in [from, to), in blob order.</summary>
    public IAsyncEnumerable<FeedbackRecord> ReadFeedbackAsync(ModelName model, DateTimeOffset from, DateTimeOffset to,
        TrafficReadStats? stats = null, CancellationToken cancellationToken = default) =>
        ReadLinesAsync(model, feedback: true, from, to, ParseFeedback, r => r.Time, stats ?? new(), cancellationToken);

    // Traffic blobs are appended to while they are read. 16 MB a request rather than the client's 4 MB: each request is a
    // round trip the parser waits for (reading 200 MB from Azurite: 0.75-1.26 s at 4 MB, 0.26-0.34 s at 16 MB).
    private static BlobOpenReadOptions LiveBlobRead => new(allowModifications: true) { BufferSize = 16 << 20 };

    /// <summary>
    /// The window [from, to) laid out as columns straight from the JSON lines (see <see cref="TrafficColumns"/>): the
    /// features of <paramref name="request"/>'s schema and the prediction, probability and latency of the rows of its
    /// version, in blob order, with its labels joined. The window's blobs are read at once, a few at a time.
    /// </summary>
    internal async Task<(TrafficFrame Frame, List<LabelMatch> Matches)> ReadFrameAsync(ModelName model, TrafficFrameRequest request,
        CancellationToken cancellationToken = default)
    {
        var blobs = await ListAsync(model, feedback: false, request.From, request.To, cancellationToken);
        // Kept lines hold no whole records, so the retraining join (which needs them) always reads afresh.
        if (request is { KeepBetweenReads: true, KeepLabelledRecords: false } && await KeptWindows.ReadAsync(model, request, blobs, OpenFromAsync, cancellationToken) is { } kept)
        {
            return kept;
        }
        var sampling = request.MaxRows is { } maxRows ? new WindowSampling(maxRows, blobs.Sum(b => b.Length)) : null;
        var parts = new TrafficColumns[blobs.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, blobs.Count),
            new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken },
            async (i, token) =>
            {
                await using var stream = await _container.GetBlobClient(blobs[i].Name).OpenReadAsync(LiveBlobRead, token);
                parts[i] = await TrafficColumns.ReadAsync(stream, request, sampling, i, token);
                if (parts[i].CorruptLines > 0)
                {
                    _logger.CorruptLines((int)Math.Min(parts[i].CorruptLines, int.MaxValue), blobs[i].Name);
                }
            });
        var frame = TrafficTable.Merge(request, parts, out var matches);
        return (frame with { Blobs = blobs.Count, BytesRead = blobs.Sum(b => b.Length) }, matches);
    }

    /// <summary>A blob's bytes from <paramref name="offset"/> up to its length as listed (what a kept window reads of it).</summary>
    private async Task<Stream> OpenFromAsync(ListedBlob blob, long offset, CancellationToken cancellationToken)
    {
        var range = new HttpRange(offset, blob.Length - offset);
        var download = await _container.GetBlobClient(blob.Name).DownloadStreamingAsync(new BlobDownloadOptions { Range = range }, cancellationToken);
        return download.Value.Content;
    }

    /// <summary>The JSON-lines blobs of the folders covering [from, to) as listed, in folder and then name order; none when
    /// nothing was ever logged.</summary>
    private async Task<List<ListedBlob>> ListAsync(ModelName model, bool feedback, DateTimeOffset from, DateTimeOffset to,
        CancellationToken cancellationToken)
    {
        var all = new List<ListedBlob>();
        if (to <= from)
        {
            return all;
        }
        foreach (var folder in TrafficStream.FoldersCovering(model, feedback, from, to))
        {
            var names = new List<ListedBlob>();
            try
            {
                await foreach (var item in _container.GetBlobsAsync(BlobTraits.None, BlobStates.None, folder, cancellationToken))
                {
                    if (item.Name.EndsWith(StorageLayout.JsonLinesExtension, StringComparison.Ordinal))
                    {
                        names.Add(new ListedBlob(item.Name, item.Properties.ContentLength ?? 0, item.Properties.CreatedOn));
                    }
                }
            }
            catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.ContainerNotFound)
            {
                return all;
            }
            names.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
            all.AddRange(names);
        }
        return all;
    }

    private async IAsyncEnumerable<T> ReadLinesAsync<T>(ModelName model, bool feedback, DateTimeOffset from, DateTimeOffset to,
        Func<ReadOnlyMemory<byte>, T?> parse, Func<T, DateTimeOffset> timeOf, TrafficReadStats stats,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        where T : class
    {
        foreach (var (name, _, _) in await ListAsync(model, feedback, from, to, cancellationToken))
        {
            stats.Blobs++;
            long corrupt = 0;
            await using var stream = await _container.GetBlobClient(name).OpenReadAsync(LiveBlobRead, cancellationToken);
            await foreach (var line in JsonLinesScanner.ReadAsync(stream, MaxLineBytes, cancellationToken))
            {
                var record = line.Overlong ? null : parse(line.Bytes);
                if (record is null)
                {
                    corrupt++;
                    continue;
                }
                var time = timeOf(record);
                if (time >= from && time < to)
                {
                    stats.Records++;
                    yield return record;
                }
            }
            if (corrupt > 0)
            {
                stats.CorruptLines += corrupt;
                _logger.CorruptLines((int)Math.Min(corrupt, int.MaxValue), name);
            }
        }
    }

    private static TrafficRecord? ParseTraffic(ReadOnlyMemory<byte> line)
    {
        var record = Parse<TrafficRecord>(line);
        return record is { RequestId: not null, Features: not null, Prediction: not null } && record.Row >= 0 && record.Model != default
            ? record
            : null;
    }

    private static FeedbackRecord? ParseFeedback(ReadOnlyMemory<byte> line)
    {
        var record = Parse<FeedbackRecord>(line);
        return record is { RequestId: not null } && record.Row >= 0 && record.Label.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null)
            ? record
            : null;
    }

    private static T? Parse<T>(ReadOnlyMemory<byte> line) where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(line.Span, Json.Options);
        }
        catch (Exception e) when (e is JsonException or ArgumentException or FormatException or InvalidOperationException or NotSupportedException)
        {
            // A bad model name or prediction shape throws something other than JsonException; either way the line is unreadable.
            return null;
        }
    }
}
