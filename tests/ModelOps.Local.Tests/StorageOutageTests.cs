using System.Net;
using ModelOps.Local.Storage;
using ModelOps.Testing;

namespace ModelOps.Local.Tests;

/// <summary>When storage goes away the host says so and keeps running; when it is back, work goes on.</summary>
public sealed class StorageOutageTests
{
    [Fact]
    public async Task The_host_reports_unhealthy_while_storage_is_down_and_trains_again_once_it_is_back()
    {
        await using var azurite = await Azurite.StartAsync();
        await using var host = await RunningHost.StartAsync(azurite.ConnectionString());
        Assert.Equal(HttpStatusCode.OK, (await host.Http.GetAsync("/api/health")).StatusCode);

        await azurite.StopAsync();
        await EventuallyAsync(async () => (await host.Http.GetAsync("/api/health")).StatusCode == HttpStatusCode.ServiceUnavailable);
        await azurite.RestartAsync();
        await EventuallyAsync(async () => (await host.Http.GetAsync("/api/health")).StatusCode == HttpStatusCode.OK);

        await host.DropAsync("churn/modelops.json", """{ "search": { "trials": 2, "parallelism": 2, "folds": 2 } }""");
        await host.DropAsync("churn/customers.csv", SyntheticData.Binary(rows: 300, seed: 4));
        PipelineEndToEndTests.AssertDeployed(await host.WaitForRunAsync("churn"), version: 1);
    }

    private static async Task EventuallyAsync(Func<Task<bool>> condition)
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!await condition())
        {
            await Task.Delay(200, cancel.Token);
        }
    }
}
