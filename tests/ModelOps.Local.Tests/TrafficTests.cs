using System.Net;
using System.Text.Json;
using Azure.Storage.Blobs;
using ModelOps.Core.Serving.Traffic;
using ModelOps.Core.Storage;
using ModelOps.Testing;

namespace ModelOps.Local.Tests;

/// <summary>Every answered prediction is in the traffic log, even when the host stops under load.</summary>
public sealed class TrafficTests
{
    [Fact]
    public async Task No_answered_row_is_lost_when_the_host_stops_gracefully_under_load()
    {
        var host = await RunningHost.StartAsync();
        // This test is about traffic, not model quality: a gate any learnt model passes (training is not yet deterministic).
        await host.DropAsync("churn/modelops.json", """{ "search": { "trials": 2, "parallelism": 2, "folds": 2 }, "gates": { "min": { "auc": 0.5 } } }""");
        await host.DropAsync("churn/customers.csv", SyntheticData.Binary(rows: 300, seed: 61));
        PipelineEndToEndTests.AssertDeployed(await host.WaitForRunAsync("churn"), version: 1);
        var body = PredictRows.Binary(5, seed: 62);
        var answered = 0;
        using var stop = new CancellationTokenSource();

        var clients = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            using var http = new HttpClient { BaseAddress = host.Http.BaseAddress };
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    var response = await http.PostAsync("/api/models/churn/predict", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        var predictions = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("predictions");
                        Interlocked.Add(ref answered, predictions.GetArrayLength());
                    }
                }
                catch (HttpRequestException)
                {
                    // The host is going away: requests it refuses were never answered, so they owe no traffic row.
                }
            }
        })).ToList();
        await Task.Delay(1500);
        await host.DisposeAsync(); // graceful: in-flight requests finish, then the traffic log flushes
        stop.Cancel();
        await Task.WhenAll(clients);

        var reader = new TrafficReader(new BlobServiceClient(host.Storage));
        var now = DateTimeOffset.UtcNow;
        var window = await reader.ReadWindowAsync(ModelName.Parse("churn"), now.AddHours(-2), now.AddHours(1));
        Assert.True(answered > 100, $"only {answered} rows were answered");
        Assert.Equal(answered, window.Records.Count);
    }
}
