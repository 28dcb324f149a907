using System.Collections.Concurrent;
using ModelOps.Testing;

namespace ModelOps.Durable.Tests;

public sealed class RecoveryTests
{
    [Fact]
    public async Task A_new_engine_resumes_a_crashed_instance_and_does_not_rerun_completed_activities()
    {
        var storage = await SharedAzurite.NewAccountAsync();
        var runs = new ConcurrentDictionary<int, int>();
        var blockedStarted = new TaskCompletionSource();
        var neverReleased = new TaskCompletionSource();

        DurableRegistry Registry(bool blockAtTwo) => new DurableRegistry()
            .AddActivity<int, int>("Work", async (i, _) =>
            {
                runs.AddOrUpdate(i, 1, (_, n) => n + 1);
                if (blockAtTwo && i == 2)
                {
                    blockedStarted.TrySetResult();
                    await neverReleased.Task; // hangs like a process that dies mid-activity; ignores cancellation on purpose
                }
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

        var first = await TestEngine.StartAsync(Registry(blockAtTwo: true), storage);
        var id = await first.Client.ScheduleNewOrchestrationInstanceAsync("Steps", 5, "crash-me");
        await blockedStarted.Task.WaitAsync(TestEngine.Timeout());
        await first.DisposeAsync(); // the "crash": no graceful completion

        await using var second = await TestEngine.StartAsync(Registry(blockAtTwo: false), storage);
        var done = await second.Client.WaitForInstanceCompletionAsync(id, TestEngine.Timeout());

        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        Assert.Equal(0 + 1 + 2 + 3 + 4, done.ReadOutputAs<int>());
        Assert.Equal(1, runs[0]);
        Assert.Equal(1, runs[1]);
        Assert.Equal(2, runs[2]); // in flight at the crash: at least once
        Assert.Equal(1, runs[3]);
        Assert.Equal(1, runs[4]);
    }

    [Fact]
    public async Task A_new_engine_rearms_a_pending_timer()
    {
        var storage = await SharedAzurite.NewAccountAsync();
        var time = TestEngine.FakeTime();
        var registry = new DurableRegistry()
            .AddOrchestrator<string?, string>("Sleeper", async (ctx, _) =>
            {
                await ctx.CreateTimer(TimeSpan.FromMinutes(30), CancellationToken.None);
                return "woke";
            });

        var first = await TestEngine.StartAsync(registry, storage, time);
        var id = await first.Client.ScheduleNewOrchestrationInstanceAsync("Sleeper");
        await TestEngine.EventuallyAsync(async () =>
            (await first.Client.GetInstanceAsync(id))!.RuntimeStatus == OrchestrationRuntimeStatus.Running);
        await first.DisposeAsync();

        await using var second = await TestEngine.StartAsync(registry, storage, time);
        time.Advance(TimeSpan.FromMinutes(30));
        var done = await second.Client.WaitForInstanceCompletionAsync(id, TestEngine.Timeout());
        Assert.Equal("woke", done.ReadOutputAs<string>());
    }
}
