using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace ModelOps.Durable;

/// <summary>
/// Histories as append blobs of JSON lines, one blob per execution: one append per replay batch. Every append is conditional on the
/// blob's length, so an append retried after a lost answer is recognised instead of written twice.
/// </summary>
internal sealed class HistoryStore(BlobContainerClient container)
{
    // The history format belongs to the engine, not to the host's payload options.
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private const int MaxBlock = 4 * 1024 * 1024;

    public BlobContainerClient Container => container;

    /// <summary>Appends <paramref name="events"/> at byte <paramref name="offset"/> (the blob's length as last seen); returns the new length.</summary>
    public async Task<long> AppendAsync(string instanceId, string executionId, IReadOnlyList<HistoryEvent> events, long offset, CancellationToken ct)
    {
        if (events.Count == 0)
        {
            return offset;
        }
        var blob = container.GetAppendBlobClient(StorageNames.HistoryBlob(instanceId, executionId));
        if (offset == 0)
        {
            await blob.CreateIfNotExistsAsync(cancellationToken: ct).ConfigureAwait(false);
        }
        // Append blocks are limited to 4 MiB: split a big batch at line boundaries.
        using var chunk = new MemoryStream();
        foreach (var e in events)
        {
            var line = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(e, Json) + "\n");
            if (line.Length > MaxBlock)
            {
                throw new InvalidOperationException(
                    $"A history event of {line.Length} bytes for instance '{instanceId}' exceeds the 4 MiB limit; pass large data through blobs.");
            }
            if (chunk.Length + line.Length > MaxBlock)
            {
                offset = await FlushAsync(blob, chunk, offset, ct).ConfigureAwait(false);
            }
            chunk.Write(line);
        }
        return await FlushAsync(blob, chunk, offset, ct).ConfigureAwait(false);
    }

    /// <summary>An execution's events and the blob's length in bytes (empty and 0 when there is no blob).</summary>
    public async Task<(List<HistoryEvent> Events, long Bytes)> ReadAsync(string instanceId, string executionId, CancellationToken ct)
    {
        var blob = container.GetBlobClient(StorageNames.HistoryBlob(instanceId, executionId));
        try
        {
            var content = await blob.DownloadContentAsync(ct).ConfigureAwait(false);
            var bytes = content.Value.Content.ToMemory();
            var text = Encoding.UTF8.GetString(bytes.Span);
            var events = text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(line => JsonSerializer.Deserialize<HistoryEvent>(line, Json)!)
                .ToList();
            return (events, bytes.Length);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return ([], 0);
        }
    }

    /// <summary>Deletes one execution's history, e.g. the one a ContinueAsNew left behind.</summary>
    public Task DeleteExecutionAsync(string instanceId, string executionId, CancellationToken ct) =>
        container.DeleteBlobIfExistsAsync(StorageNames.HistoryBlob(instanceId, executionId), cancellationToken: ct);

    public async Task DeleteAllAsync(string instanceId, CancellationToken ct)
    {
        await foreach (var item in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, StorageNames.InstancePrefix(instanceId), ct).ConfigureAwait(false))
        {
            await container.DeleteBlobIfExistsAsync(item.Name, cancellationToken: ct).ConfigureAwait(false);
        }
    }

    private static async Task<long> FlushAsync(AppendBlobClient blob, MemoryStream chunk, long offset, CancellationToken ct)
    {
        if (chunk.Length == 0)
        {
            return offset;
        }
        var length = chunk.Length;
        chunk.Position = 0;
        try
        {
            await blob.AppendBlockAsync(chunk, new AppendBlobAppendBlockOptions
            {
                Conditions = new AppendBlobRequestConditions { IfAppendPositionEqual = offset },
            }, ct).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 412)
        {
            // An earlier try of this very append may have landed with its answer lost; only this engine writes this blob.
            var properties = await blob.GetPropertiesAsync(cancellationToken: ct).ConfigureAwait(false);
            if (properties.Value.ContentLength < offset + length)
            {
                throw;
            }
        }
        chunk.SetLength(0);
        return offset + length;
    }
}
