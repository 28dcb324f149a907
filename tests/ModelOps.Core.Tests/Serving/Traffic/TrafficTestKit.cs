using System.Text.Json;
using Azure.Core;
using Azure.Storage.Blobs;
using ModelOps.Core.Serving;
using ModelOps.Core.Serving.Traffic;
using ModelOps.Core.Storage;
using ModelOps.Testing;

namespace ModelOps.Core.Tests.Serving.Traffic;

/// <summary>Blob clients, records and raw reads shared by the traffic tests; each test gets its own account.</summary>
internal static class TrafficTestKit
{
    public static readonly ModelName Churn = ModelName.Parse("churn");

    public static async Task<BlobServiceClient> NewBlobsAsync(string? connectionString = null)
    {
        // No SDK retries and a short timeout: the log's own retry is what the outage tests exercise.
        var options = new BlobClientOptions { Retry = { MaxRetries = 0, NetworkTimeout = TimeSpan.FromSeconds(5) } };
        var blobs = new BlobServiceClient(connectionString ?? await SharedAzurite.NewAccountAsync(), options);
        await blobs.GetBlobContainerClient(StorageLayout.Traffic).CreateIfNotExistsAsync();
        return blobs;
    }

    public static TrafficRecord Record(string requestId, int row = 0, DateTimeOffset? time = null, double tenure = 1.5) => new(
        requestId, row, time ?? DateTimeOffset.UtcNow, Churn, 3,
        new Dictionary<string, JsonElement>
        {
            ["tenure"] = JsonSerializer.SerializeToElement(tenure),
            ["plan"] = JsonSerializer.SerializeToElement("gold"),
            ["active"] = JsonSerializer.SerializeToElement(true),
            ["note"] = JsonSerializer.SerializeToElement<string?>(null),
        },
        new BinaryPrediction(true, 0.75), 0.4);

    /// <summary>Every line of every traffic blob (feedback excluded), parsed; the test reads blobs directly, not through the reader.</summary>
    public static async Task<List<TrafficRecord>> AllRecordsAsync(BlobServiceClient blobs)
    {
        var container = blobs.GetBlobContainerClient(StorageLayout.Traffic);
        var records = new List<TrafficRecord>();
        await foreach (var item in container.GetBlobsAsync())
        {
            if (item.Name.Contains("/feedback/", StringComparison.Ordinal))
            {
                continue;
            }
            var content = (await container.GetBlobClient(item.Name).DownloadContentAsync()).Value.Content.ToString();
            foreach (var line in content.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                records.Add(JsonSerializer.Deserialize<TrafficRecord>(line, Json.Options)!);
            }
        }
        return records;
    }

    public static async Task<List<string>> BlobNamesAsync(BlobServiceClient blobs)
    {
        var names = new List<string>();
        await foreach (var item in blobs.GetBlobContainerClient(StorageLayout.Traffic).GetBlobsAsync())
        {
            names.Add(item.Name);
        }
        return names;
    }

    /// <summary>Polls until the condition holds; fails the test with the message after the timeout.</summary>
    public static async Task EventuallyAsync(Func<bool> condition, string what, double seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting until {what}.");
            await Task.Delay(20);
        }
    }
}
