using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;

namespace ModelOps.Durable.Bench.Soak;

/// <summary>One line of an instance's history, as far as the soak needs it.</summary>
internal sealed record HistoryLine(string Type, int TaskId, string? Name);

internal sealed record InstanceState(string InstanceId, string Status, string? Output, IReadOnlyList<HistoryLine> History)
{
    public IEnumerable<int> CompletedTaskIds => History.Where(h => h.Type == "TaskCompleted").Select(h => h.TaskId);
}

/// <summary>
/// Reads the hub's state straight from storage while no host runs. The driver cannot use a DurableClient for this: that
/// needs a running engine, and a second engine on the hub would start executing the instances itself. So this mirrors the
/// engine's storage layout: table <c>{hub}Instances</c> (RuntimeStatus, Output, ExecutionId) and append blobs
/// <c>{hub}-history/{instanceId}/{executionId}.jsonl</c> of JSON lines. If the engine changes that layout, change this.
/// </summary>
internal sealed class HubSnapshot(string connectionString, string hub)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly TableClient _table = new TableServiceClient(connectionString).GetTableClient($"{hub}Instances");
    private readonly BlobContainerClient _history = new BlobServiceClient(connectionString).GetBlobContainerClient($"{hub}-history");

    /// <summary>Instance rows only (no history): cheap enough to poll.</summary>
    public async Task<IReadOnlyList<(string InstanceId, string Status)>> StatusesAsync(CancellationToken ct)
    {
        var rows = new List<(string, string)>();
        try
        {
            await foreach (var row in _table.QueryAsync<TableEntity>(select: ["PartitionKey", "RuntimeStatus"], cancellationToken: ct))
            {
                rows.Add((row.PartitionKey, row.GetString("RuntimeStatus") ?? ""));
            }
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // The first host has not created the table yet.
        }
        return rows;
    }

    /// <summary>Every instance with its persisted history.</summary>
    public async Task<IReadOnlyDictionary<string, InstanceState>> ReadAsync(CancellationToken ct)
    {
        var states = new Dictionary<string, InstanceState>(StringComparer.Ordinal);
        try
        {
            await foreach (var row in _table.QueryAsync<TableEntity>(cancellationToken: ct))
            {
                var history = await HistoryAsync(row.PartitionKey, row.GetString("ExecutionId") ?? "", ct);
                states[row.PartitionKey] = new InstanceState(row.PartitionKey, row.GetString("RuntimeStatus") ?? "", row.GetString("Output"), history);
            }
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // nothing yet
        }
        return states;
    }

    private async Task<IReadOnlyList<HistoryLine>> HistoryAsync(string instanceId, string executionId, CancellationToken ct)
    {
        try
        {
            var content = await _history.GetBlobClient($"{instanceId}/{executionId}.jsonl").DownloadContentAsync(ct);
            return content.Value.Content.ToString()
                .Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(line => JsonSerializer.Deserialize<HistoryLine>(line, Json)!)
                .ToList();
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return [];
        }
    }
}
