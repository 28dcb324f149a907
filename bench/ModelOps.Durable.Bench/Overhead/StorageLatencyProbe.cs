using System.Diagnostics;
using System.Text;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;

namespace ModelOps.Durable.Bench.Overhead;

/// <summary>Medians of the two writes the engine makes per replay, measured alone: the floor under any per-step cost.</summary>
internal sealed record StorageLatencies(double AppendMedianMs, double AppendP90Ms, double UpdateMedianMs, double UpdateP90Ms, double ReadMedianMs);

/// <summary>
/// Times one append-blob append (a history batch) and one ETag-conditioned table replace (the instance row) against the
/// same Azurite, with payloads the size the engine writes for one chain step.
/// </summary>
internal static class StorageLatencyProbe
{
    public static async Task<StorageLatencies> MeasureAsync(string connectionString, int samples, CancellationToken ct)
    {
        var container = new BlobServiceClient(connectionString).GetBlobContainerClient("latencyprobe");
        await container.CreateIfNotExistsAsync(cancellationToken: ct);
        var blob = container.GetAppendBlobClient("history.jsonl");
        await blob.CreateIfNotExistsAsync(cancellationToken: ct);
        // About one TaskCompleted line plus one TaskScheduled line, as a chain step appends.
        var batch = Encoding.UTF8.GetBytes(
            "{\"type\":\"TaskCompleted\",\"timestamp\":\"2025-01-01T00:00:00.0000000Z\",\"taskId\":12,\"name\":\"increment\",\"payload\":\"13\"}\n" +
            "{\"type\":\"TaskScheduled\",\"timestamp\":\"2025-01-01T00:00:00.0000000Z\",\"taskId\":13,\"name\":\"increment\",\"payload\":\"13\"}\n");

        var table = new TableServiceClient(connectionString).GetTableClient("latencyprobe");
        await table.CreateIfNotExistsAsync(ct);
        var entity = new TableEntity("instance", "")
        {
            ["Name"] = "chain", ["RuntimeStatus"] = "Running", ["ExecutionId"] = Guid.NewGuid().ToString("N"), ["Input"] = "50",
        };
        var etag = (await table.UpsertEntityAsync(entity, TableUpdateMode.Replace, ct)).Headers.ETag ?? ETag.All;

        var appends = new List<double>(samples);
        var updates = new List<double>(samples);
        var reads = new List<double>(samples);
        for (var i = 0; i < samples; i++)
        {
            var start = Stopwatch.GetTimestamp();
            using (var stream = new MemoryStream(batch))
            {
                await blob.AppendBlockAsync(stream, cancellationToken: ct);
            }
            var appended = Stopwatch.GetTimestamp();
            entity["LastUpdatedAt"] = DateTimeOffset.UnixEpoch.AddSeconds(i);
            etag = (await table.UpdateEntityAsync(entity, etag, TableUpdateMode.Replace, ct)).Headers.ETag ?? ETag.All;
            var updated = Stopwatch.GetTimestamp();
            await table.GetEntityAsync<TableEntity>("instance", "", cancellationToken: ct);
            var read = Stopwatch.GetTimestamp();
            appends.Add(Stats.Ms(start, appended));
            updates.Add(Stats.Ms(appended, updated));
            reads.Add(Stats.Ms(updated, read));
        }
        return new StorageLatencies(Stats.Median(appends), Stats.Percentile(appends, 0.9), Stats.Median(updates),
            Stats.Percentile(updates, 0.9), Stats.Median(reads));
    }
}
