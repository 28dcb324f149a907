using System.Collections.Concurrent;
using ModelOps.Local.Storage;

namespace ModelOps.Durable.Tests;

public sealed class StorageOutageTests
{
    [Fact]
    public async Task When_storage_goes_away_the_engine_reports_unhealthy_waits_and_finishes_the_work_once_it_is_back()
    {
        await using var azurite = await Azurite.StartAsync();
        var runs = new ConcurrentDictionary<int, int>();
        var registry = new DurableRegistry()
            .AddActivity<int, int>("Work", async (i, _) =>
            {
                runs.AddOrUpdate(i, 1, (_, n) => n + 1);
                await Task.Delay(150, CancellationToken.None);
                return i;
            })
            .AddOrchestrator<int, int>("Steps", async (ctx, n) =>
            {
                var sum = 0;
                for (var i = 0; i < n; i++)
                {
                    sum += await ctx.CallActivityAsync<int>("Work", i);
                }
                return sum;
            });
        await using var engine = await TestEngine.StartAsync(registry, azurite.ConnectionString(),
            configure: o => o.StorageHealthCheckInterval = TimeSpan.FromMilliseconds(200));

        var id = await engine.Client.ScheduleNewOrchestrationInstanceAsync("Steps", 8);
        await TestEngine.EventuallyAsync(() => Task.FromResult(runs.ContainsKey(2)));
        await azurite.StopAsync();

        await TestEngine.EventuallyAsync(() => Task.FromResult(!engine.IsHealthy), seconds: 5);
        await Task.Delay(1000); // activities finish during the outage; their results wait in memory
        Assert.False(engine.IsHealthy);
        Assert.True(engine.IsRunning);

        await azurite.RestartAsync();
        await TestEngine.EventuallyAsync(() => Task.FromResult(engine.IsHealthy), seconds: 10);
        var done = await engine.Client.WaitForInstanceCompletionAsync(id, TestEngine.Timeout(30));

        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        Assert.Equal(Enumerable.Range(0, 8).Sum(), done.ReadOutputAs<int>());
        Assert.Equal(8, runs.Count);
        Assert.All(runs.Values, n => Assert.InRange(n, 1, 2));
        Assert.True(runs.Values.Count(n => n == 2) <= 1, "only an activity in flight at the outage may run twice");
    }
}
