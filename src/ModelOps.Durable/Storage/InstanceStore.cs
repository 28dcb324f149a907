using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;

namespace ModelOps.Durable;

/// <summary>
/// Instance rows in the <c>{hub}Instances</c> table (partition key = instance id, empty row key), updated with ETag conditions.
/// Strings too big for a table property (64 KiB) are spilled to <c>{hub}-payloads/{instanceId}/{sha256}</c>.
/// </summary>
internal sealed class InstanceStore(TableClient table, BlobContainerClient payloads)
{
    // Well under 64 KiB of UTF-16 per property and 1 MiB per entity even with every payload column near the limit.
    internal const int MaxInlineChars = 16 * 1024;

    private static readonly string[] PayloadColumns = ["Input", "Output", "CustomStatus", "FailureDetails"];

    public TableClient Table => table;
    public BlobContainerClient Payloads => payloads;

    /// <summary>Inserts a new instance; <see cref="OrchestrationAlreadyExistsException"/> when the id is taken.</summary>
    public async Task<ETag> CreateAsync(InstanceRecord record, CancellationToken ct)
    {
        var entity = await ToEntityAsync(record, ct).ConfigureAwait(false);
        try
        {
            var response = await table.AddEntityAsync(entity, ct).ConfigureAwait(false);
            return response.Headers.ETag ?? ETag.All;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            throw new OrchestrationAlreadyExistsException(record.InstanceId);
        }
    }

    /// <summary>Replaces the row if it still has <paramref name="etag"/>; 412 from storage means another writer got there first.</summary>
    public async Task<ETag> UpdateAsync(InstanceRecord record, ETag etag, CancellationToken ct)
    {
        var entity = await ToEntityAsync(record, ct).ConfigureAwait(false);
        var response = await table.UpdateEntityAsync(entity, etag, TableUpdateMode.Replace, ct).ConfigureAwait(false);
        return response.Headers.ETag ?? ETag.All;
    }

    public async Task<(InstanceRecord Record, ETag ETag)?> GetAsync(string instanceId, CancellationToken ct)
    {
        var response = await table.GetEntityIfExistsAsync<TableEntity>(instanceId, "", cancellationToken: ct).ConfigureAwait(false);
        return response.HasValue ? (await FromEntityAsync(response.Value!, ct).ConfigureAwait(false), response.Value!.ETag) : null;
    }

    public async Task<List<(InstanceRecord Record, ETag ETag)>> QueryAsync(string? filter, CancellationToken ct)
    {
        var rows = new List<(InstanceRecord, ETag)>();
        await foreach (var entity in table.QueryAsync<TableEntity>(filter, cancellationToken: ct).ConfigureAwait(false))
        {
            rows.Add((await FromEntityAsync(entity, ct).ConfigureAwait(false), entity.ETag));
        }
        return rows;
    }

    public async Task DeleteAsync(string instanceId, CancellationToken ct)
    {
        await table.DeleteEntityAsync(instanceId, "", ETag.All, ct).ConfigureAwait(false);
        await foreach (var item in payloads.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, StorageNames.InstancePrefix(instanceId), ct).ConfigureAwait(false))
        {
            await payloads.DeleteBlobIfExistsAsync(item.Name, cancellationToken: ct).ConfigureAwait(false);
        }
    }

    private async Task<TableEntity> ToEntityAsync(InstanceRecord r, CancellationToken ct)
    {
        var entity = new TableEntity(r.InstanceId, "")
        {
            ["Name"] = r.Name,
            ["RuntimeStatus"] = r.Status.ToString(),
            ["CreatedAt"] = r.CreatedAt,
            ["LastUpdatedAt"] = r.LastUpdatedAt,
            ["ExecutionId"] = r.ExecutionId,
            ["ParentInstanceId"] = r.ParentInstanceId,
            ["ParentTaskId"] = r.ParentTaskId,
            ["Version"] = r.Version,
            ["Note"] = r.Note,
            ["Revision"] = r.Revision,
        };
        var failure = r.Failure is null ? null : JsonSerializer.Serialize(r.Failure, JsonSerializerOptions.Web);
        string?[] values = [r.Input, r.Output, r.CustomStatus, failure];
        for (var i = 0; i < PayloadColumns.Length; i++)
        {
            await SetPayloadAsync(entity, r.InstanceId, PayloadColumns[i], values[i], ct).ConfigureAwait(false);
        }
        return entity;
    }

    private async Task SetPayloadAsync(TableEntity entity, string instanceId, string column, string? value, CancellationToken ct)
    {
        if (value is null || value.Length <= MaxInlineChars)
        {
            entity[column] = value;
            return;
        }
        // Content-addressed, so rewriting an unchanged big input on every status update costs no new blob.
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));
        var name = $"{StorageNames.InstancePrefix(instanceId)}{hash}";
        try
        {
            await payloads.UploadBlobAsync(name, BinaryData.FromString(value), ct).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            // Already there: same content by construction.
        }
        entity[column + "Blob"] = name;
    }

    private async Task<InstanceRecord> FromEntityAsync(TableEntity e, CancellationToken ct)
    {
        var values = new string?[PayloadColumns.Length];
        for (var i = 0; i < PayloadColumns.Length; i++)
        {
            values[i] = e.GetString(PayloadColumns[i]);
            if (e.GetString(PayloadColumns[i] + "Blob") is { } blobName)
            {
                var content = await payloads.GetBlobClient(blobName).DownloadContentAsync(ct).ConfigureAwait(false);
                values[i] = content.Value.Content.ToString();
            }
        }
        return new InstanceRecord(
            e.PartitionKey,
            e.GetString("Name") ?? "",
            Enum.Parse<OrchestrationRuntimeStatus>(e.GetString("RuntimeStatus") ?? nameof(OrchestrationRuntimeStatus.Pending)),
            e.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.MinValue,
            e.GetDateTimeOffset("LastUpdatedAt") ?? DateTimeOffset.MinValue,
            e.GetString("ExecutionId") ?? "",
            values[0],
            values[1],
            values[2],
            values[3] is { } f ? JsonSerializer.Deserialize<TaskFailureDetails>(f, JsonSerializerOptions.Web) : null,
            e.GetString("ParentInstanceId"),
            e.GetInt32("ParentTaskId") ?? -1,
            e.GetString("Version") ?? "",
            e.GetString("Note"),
            e.GetInt64("Revision") ?? 0);
    }
}
