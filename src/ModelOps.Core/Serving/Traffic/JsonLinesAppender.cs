using System.Globalization;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using ModelOps.Core.Storage;

namespace ModelOps.Core.Serving.Traffic;

/// <summary>
/// Appends blocks of whole JSON lines to this host's append blob of each stream, rolling to <c>{host}-{n+1}.jsonl</c>
/// before a blob passes its size or block limit. Every append carries the position it expects, so a retried block is
/// written once: a position conflict whose new bytes are exactly the block means an earlier try landed.
/// </summary>
internal sealed class JsonLinesAppender(BlobContainerClient container, string host, long maxBlobBytes, int maxBlobBlocks)
{
    private const int MaxRollsPerAppend = 4;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<TrafficStream, OpenBlob> _open = [];
    private long _blobsOpened;

    public long BlobsOpened => Interlocked.Read(ref _blobsOpened);

    /// <summary>Appends one block (whole lines, each ending in '\n'); throws when storage fails, and may then be called again with the same block.</summary>
    public async Task AppendAsync(TrafficStream stream, ReadOnlyMemory<byte> block, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            for (var attempt = 0; ; attempt++)
            {
                var blob = await OpenAsync(stream, block.Length, cancellationToken);
                if (await TryAppendAsync(blob, block, cancellationToken))
                {
                    return;
                }
                // Someone else's bytes are in this blob or it is full: the block goes to the next one.
                blob.Full = true;
                if (attempt >= MaxRollsPerAppend)
                {
                    throw new InvalidOperationException($"Could not append to {blob.Client.Name} or {MaxRollsPerAppend} blobs after it.");
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<bool> TryAppendAsync(OpenBlob blob, ReadOnlyMemory<byte> block, CancellationToken cancellationToken)
    {
        var options = new AppendBlobAppendBlockOptions
        {
            Conditions = new AppendBlobRequestConditions { IfAppendPositionEqual = blob.Length, IfMaxSizeLessThanOrEqual = maxBlobBytes },
        };
        try
        {
            using var content = BinaryData.FromBytes(block).ToStream();
            await blob.Client.AppendBlockAsync(content, options, cancellationToken);
            blob.Advance(block.Length);
            return true;
        }
        catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.AppendPositionConditionNotMet)
        {
            if (await LandedAsync(blob, block, cancellationToken))
            {
                blob.Advance(block.Length);
                return true;
            }
            return false;
        }
        catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.MaxBlobSizeConditionNotMet || e.ErrorCode == BlobErrorCode.BlockCountExceedsLimit)
        {
            return false;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // The blob (or the container) went away under us: open afresh on the next try.
            _open.Remove(blob.Stream);
            if (e.ErrorCode == BlobErrorCode.ContainerNotFound)
            {
                await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            }
            throw;
        }
    }

    /// <summary>True when the blob grew by exactly this block since we last knew its length: an earlier try whose answer was lost.</summary>
    private static async Task<bool> LandedAsync(OpenBlob blob, ReadOnlyMemory<byte> block, CancellationToken cancellationToken)
    {
        var properties = (await blob.Client.GetPropertiesAsync(cancellationToken: cancellationToken)).Value;
        if (properties.ContentLength != blob.Length + block.Length)
        {
            return false;
        }
        var range = new HttpRange(blob.Length, block.Length);
        var download = await blob.Client.DownloadContentAsync(new BlobDownloadOptions { Range = range }, cancellationToken);
        return download.Value.Content.ToMemory().Span.SequenceEqual(block.Span);
    }

    private async Task<OpenBlob> OpenAsync(TrafficStream stream, int blockLength, CancellationToken cancellationToken)
    {
        if (_open.TryGetValue(stream, out var current) && current.HasRoomFor(blockLength, maxBlobBytes, maxBlobBlocks))
        {
            return current;
        }
        var folder = stream.Folder;
        var n = current is null ? await NextIndexAsync(folder, cancellationToken) : current.Index + 1;
        for (; ; n++)
        {
            var client = container.GetAppendBlobClient(StorageLayout.HostFile(folder, host, n));
            var created = await CreateAsync(client, cancellationToken);
            if (created is not null)
            {
                var blob = new OpenBlob(stream, n, client) { Length = created.Value.Length, Blocks = created.Value.Blocks };
                if (blob.HasRoomFor(blockLength, maxBlobBytes, maxBlobBlocks))
                {
                    Forget(stream);
                    _open[stream] = blob;
                    Interlocked.Increment(ref _blobsOpened);
                    return blob;
                }
            }
        }
    }

    /// <summary>Creates the blob; when it exists already and is empty (our own create whose answer was lost), takes it; else null.</summary>
    private async Task<(long Length, int Blocks)?> CreateAsync(AppendBlobClient client, CancellationToken cancellationToken)
    {
        var options = new AppendBlobCreateOptions
        {
            Conditions = new AppendBlobRequestConditions { IfNoneMatch = ETag.All },
            HttpHeaders = new BlobHttpHeaders { ContentType = "application/x-ndjson" },
        };
        try
        {
            await client.CreateAsync(options, cancellationToken);
            return (0, 0);
        }
        catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.BlobAlreadyExists || e.Status == 409)
        {
            var properties = (await client.GetPropertiesAsync(cancellationToken: cancellationToken)).Value;
            return properties.ContentLength == 0 ? (0, properties.BlobCommittedBlockCount) : null;
        }
        catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.ContainerNotFound)
        {
            await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            throw;
        }
    }

    /// <summary>One past the highest n this host has in the folder: a restarted host starts a file of its own.</summary>
    private async Task<int> NextIndexAsync(string folder, CancellationToken cancellationToken)
    {
        var prefix = StorageLayout.HostFilePrefix(folder, host);
        var next = 0;
        await foreach (var item in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix, cancellationToken))
        {
            var rest = item.Name.AsSpan(prefix.Length);
            if (rest.EndsWith(StorageLayout.JsonLinesExtension, StringComparison.Ordinal)
                && int.TryParse(rest[..^StorageLayout.JsonLinesExtension.Length], NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            {
                next = Math.Max(next, n + 1);
            }
        }
        return next;
    }

    // Hours move on; only recent streams stay open so that the map does not grow with uptime.
    private void Forget(TrafficStream opening)
    {
        if (_open.Count < 64)
        {
            return;
        }
        foreach (var stream in _open.Keys.Where(s => s.Hour < opening.Hour.AddHours(-2)).ToList())
        {
            _open.Remove(stream);
        }
    }

    private sealed class OpenBlob(TrafficStream stream, int index, AppendBlobClient client)
    {
        public TrafficStream Stream { get; } = stream;
        public int Index { get; } = index;
        public AppendBlobClient Client { get; } = client;
        public long Length { get; set; }
        public int Blocks { get; set; }
        public bool Full { get; set; }

        public bool HasRoomFor(int blockLength, long maxBytes, int maxBlocks) =>
            !Full && Length + blockLength <= maxBytes && Blocks < maxBlocks;

        public void Advance(int blockLength)
        {
            Length += blockLength;
            Blocks++;
        }
    }
}
