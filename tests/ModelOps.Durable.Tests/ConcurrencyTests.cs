using System.Collections.Concurrent;
using ModelOps.Testing;

namespace ModelOps.Durable.Tests;

public sealed class ConcurrencyTests
{
    [Fact]
    public async Task Two_hundred_instances_at_once_complete_within_the_concurrency_bounds_and_a_bounded_queue()
    {
        var running = 0;
        var mostRunning = 0;
        var mostQueued = 0;
        DurableEngine? engine = null;
        var registry = new DurableRegistry()
            .AddActivity<int, int>("Inc", async (x, _) =>
            {
                var now = Interlocked.Increment(ref running);
                InterlockedMax(ref mostRunning, now);
                InterlockedMax(ref mostQueued, engine!.QueuedActivities);
                await Task.Delay(1);
                Interlocked.Decrement(ref running);
                return x + 1;
            })
            .AddOrchestrator<int, int>("Small", async (ctx, x) => await ctx.CallActivityAsync<int>("Inc", x));
        engine = await TestEngine.StartAsync(registry, configure: o =>
        {
            o.MaxConcurrentActivities = 4;
            o.MaxConcurrentOrchestrations = 4;
        });
        await using var _ = engine;

        var ids = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => engine.Client.ScheduleNewOrchestrationInstanceAsync("Small", i)));
        var done = await Task.WhenAll(ids.Select(id => engine.Client.WaitForInstanceCompletionAsync(id, TestEngine.Timeout(60))));

        Assert.All(done, d => Assert.Equal(OrchestrationRuntimeStatus.Completed, d.RuntimeStatus));
        Assert.Equal(Enumerable.Range(1, 200), done.Select(d => d.ReadOutputAs<int>()).Order());
        Assert.InRange(mostRunning, 1, 4);
        Assert.InRange(mostQueued, 0, 4);
    }

    [Fact]
    public async Task A_graceful_stop_lets_running_activities_finish_and_records_their_results()
    {
        var storage = await SharedAzurite.NewAccountAsync();
        var runs = new ConcurrentDictionary<int, int>();
        var started = new TaskCompletionSource();
        var cancelledSeen = false;
        DurableRegistry Registry(bool slowFirst) => new DurableRegistry()
            .AddActivity<int, int>("Work", async (i, ctx) =>
            {
                runs.AddOrUpdate(i, 1, (_, n) => n + 1);
                if (slowFirst && i == 0)
                {
                    started.TrySetResult();
                    await Task.Delay(500, CancellationToken.None); // mid-way when the stop comes
                    cancelledSeen = ctx.CancellationToken.IsCancellationRequested;
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

        var first = await TestEngine.StartAsync(Registry(slowFirst: true), storage);
        var id = await first.Client.ScheduleNewOrchestrationInstanceAsync("Steps", 3);
        await started.Task.WaitAsync(TestEngine.Timeout());
        await first.StopAsync();
        await first.DisposeAsync();

        Assert.False(cancelledSeen);
        var row = await first.Store.GetAsync(id, default);
        var (history, _) = await first.HistoryStore.ReadAsync(id, row!.Value.Record.ExecutionId, default);
        Assert.Contains(history, e => e.Type == HistoryEventType.TaskCompleted && e.TaskId == 0);

        await using var second = await TestEngine.StartAsync(Registry(slowFirst: false), storage);
        var done = await second.Client.WaitForInstanceCompletionAsync(id, TestEngine.Timeout());
        Assert.Equal(0 + 1 + 2, done.ReadOutputAs<int>());
        Assert.All(runs.Values, n => Assert.Equal(1, n));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current && Interlocked.CompareExchange(ref target, value, current) is var seen && seen != current)
        {
            current = seen;
        }
    }
}
