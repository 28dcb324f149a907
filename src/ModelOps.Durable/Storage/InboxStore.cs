using System.Text.Json;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace ModelOps.Durable;

/// <summary>
/// Raised events and terminate requests, one blob per message at <c>{hub}-inbox/{instanceId}/{eventId}.json</c>, written before the
/// client call returns and deleted once the event is in the instance's history: a crash in between loses nothing.
/// </summary>
internal sealed class InboxStore(BlobContainerClient container)
{
    public BlobContainerClient Container => container;

    public Task AddAsync(string instanceId, HistoryEvent message, CancellationToken ct) =>
        container.UploadBlobAsync(StorageNames.InboxBlob(instanceId, message.EventId!),
            BinaryData.FromString(JsonSerializer.Serialize(message, HistoryStore.Json)), ct);

    /// <summary>Every waiting message in the hub by instance id, oldest first.</summary>
    public async Task<Dictionary<string, List<HistoryEvent>>> ReadAllAsync(CancellationToken ct)
    {
        var messages = new Dictionary<string, List<HistoryEvent>>(StringComparer.Ordinal);
        await foreach (var item in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, null, ct).ConfigureAwait(false))
        {
            var slash = item.Name.IndexOf('/', StringComparison.Ordinal);
            if (slash <= 0)
            {
                continue;
            }
            var content = await container.GetBlobClient(item.Name).DownloadContentAsync(ct).ConfigureAwait(false);
            var message = JsonSerializer.Deserialize<HistoryEvent>(content.Value.Content.ToString(), HistoryStore.Json)!;
            var instanceId = item.Name[..slash];
            if (!messages.TryGetValue(instanceId, out var list))
            {
                messages[instanceId] = list = [];
            }
            list.Add(message);
        }
        foreach (var list in messages.Values)
        {
            list.Sort((a, b) => string.CompareOrdinal(a.EventId, b.EventId));
        }
        return messages;
    }

    public Task DeleteAsync(string instanceId, string eventId, CancellationToken ct) =>
        container.DeleteBlobIfExistsAsync(StorageNames.InboxBlob(instanceId, eventId), cancellationToken: ct);

    public async Task DeleteAllAsync(string instanceId, CancellationToken ct)
    {
        await foreach (var item in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, StorageNames.InstancePrefix(instanceId), ct).ConfigureAwait(false))
        {
            await container.DeleteBlobIfExistsAsync(item.Name, cancellationToken: ct).ConfigureAwait(false);
        }
    }
}
