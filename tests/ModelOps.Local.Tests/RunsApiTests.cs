using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace ModelOps.Local.Tests;

/// <summary>Listing runs: filters and paging in the shape of Durable's instances API.</summary>
public sealed class RunsApiTests
{
    [Fact]
    public async Task Runs_are_listed_newest_first_filtered_by_status_and_paged_with_a_continuation_token()
    {
        await using var host = await RunningHost.StartAsync();
        foreach (var file in new[] { "a", "b", "c" })
        {
            await host.DropAsync($"paged/{file}.csv", "");
        }
        await host.DropAsync("paged-other/x.csv", "");
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while ((await host.RunsAsync("paged")).Count(r => r.GetProperty("runtimeStatus").GetString() == "Failed") < 3)
        {
            await Task.Delay(100, cancel.Token);
        }

        var failed = await host.Http.GetFromJsonAsync<JsonElement[]>("/api/runs?model=paged&status=Failed,Terminated");
        var completed = await host.Http.GetFromJsonAsync<JsonElement[]>("/api/runs?model=paged&status=Completed");
        var first = await host.Http.GetAsync("/api/runs?model=paged&top=2");
        var token = first.Headers.GetValues("x-ms-continuation-token").Single();
        using var next = new HttpRequestMessage(HttpMethod.Get, "/api/runs?model=paged&top=2") { Headers = { { "x-ms-continuation-token", token } } };
        var second = await host.Http.SendAsync(next);
        var bad = await host.Http.GetAsync("/api/runs?status=Sleeping");

        Assert.Equal(3, failed!.Length);
        Assert.All(failed, r => Assert.Equal("paged", r.GetProperty("input").GetProperty("model").GetString()));
        Assert.Empty(completed!);
        var created = failed.Select(r => r.GetProperty("createdTime").GetDateTimeOffset()).ToList();
        Assert.Equal(created.OrderDescending(), created);
        var pages = (await first.Content.ReadFromJsonAsync<JsonElement[]>())!.Concat((await second.Content.ReadFromJsonAsync<JsonElement[]>())!)
            .Select(r => r.GetProperty("instanceId").GetString()).ToList();
        Assert.Equal(failed.Select(r => r.GetProperty("instanceId").GetString()), pages);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }
}
