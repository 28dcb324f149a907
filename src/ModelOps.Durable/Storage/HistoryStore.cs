using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;

namespace ModelOps.Durable;

/// <summary>Histories as append blobs of JSON lines, one blob per execution: one append per replay batch.</summary>
internal sealed class HistoryStore(BlobContainerClient container)
{
    // The history format belongs to the engine, not to the host's payload options.
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private const int MaxBlock = 4 * 1024 * 1024;

    public BlobContainerClient Container => container;

    public async Task AppendAsync(string instanceId, string executionId, IReadOnlyList<HistoryEvent> events, bool create, CancellationToken ct)
    {
        if (events.Count == 0)
        {
            return;
        }
        var blob = container.GetAppendBlobClient(StorageNames.HistoryBlob(instanceId, executionId));
        if (create)
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
                await FlushAsync(blob, chunk, ct).ConfigureAwait(false);
            }
            chunk.Write(line);
        }
        await FlushAsync(blob, chunk, ct).ConfigureAwait(false);
    }

    public async Task<List<HistoryEvent>> ReadAsync(string instanceId, string executionId, CancellationToken ct)
    {
        var blob = container.GetBlobClient(StorageNames.HistoryBlob(instanceId, executionId));
        try
        {
            var content = await blob.DownloadContentAsync(ct).ConfigureAwait(false);
            var text = content.Value.Content.ToString();
            return text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(line => JsonSerializer.Deserialize<HistoryEvent>(line, Json)!)
                .ToList();
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return [];
        }
    }

    public async Task DeleteAllAsync(string instanceId, CancellationToken ct)
    {
        await foreach (var item in container.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, StorageNames.InstancePrefix(instanceId), ct).ConfigureAwait(false))
        {
            await container.DeleteBlobIfExistsAsync(item.Name, cancellationToken: ct).ConfigureAwait(false);
        }
    }

    private static async Task FlushAsync(AppendBlobClient blob, MemoryStream chunk, CancellationToken ct)
    {
        if (chunk.Length == 0)
        {
            return;
        }
        chunk.Position = 0;
        await blob.AppendBlockAsync(chunk, cancellationToken: ct).ConfigureAwait(false);
        chunk.SetLength(0);
    }
}
