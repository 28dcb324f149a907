using System.Collections.Concurrent;
using ModelOps.Testing;

namespace ModelOps.Durable.Tests;

/// <summary>Raised events and terminate requests are stored before the client returns: a crash before the next replay loses none.</summary>
public sealed class DurableInboxTests
{
    /// <summary>
    /// "Step" then a wait for <paramref name="eventName"/>. With a gate, the replay after "Step" blocks until released, so a message
    /// sent meanwhile sits only in the inbox when the engine "crashes".
    /// </summary>
    private static DurableRegistry Registry(string eventName, ManualResetEventSlim? gate = null, TaskCompletionSource? blocked = null) =>
        new DurableRegistry()
            .AddActivity<string?, string>("Step", (_, _) => Task.FromResult("stepped"))
            .AddOrchestrator<string?, string>("Approve", async (ctx, _) =>
            {
                await ctx.CallActivityAsync<string>("Step");
                if (gate is not null && !ctx.IsReplaying)
                {
                    blocked!.TrySetResult();
                    gate.Wait(TimeSpan.FromSeconds(20)); // a slow replay, in flight when the process dies
                }
                return await ctx.WaitForExternalEvent<string>(eventName);
            });

    private static async Task<DurableEngine> CrashWithMessageInInboxAsync(string storage, Func<DurableEngine, string, Task> send)
    {
        using var gate = new ManualResetEventSlim();
        var blocked = new TaskCompletionSource();
        var first = await TestEngine.StartAsync(Registry("approval", gate, blocked), storage);
        var id = await first.Client.ScheduleNewOrchestrationInstanceAsync("Approve", null, "needs-approval");
        await blocked.Task.WaitAsync(TestEngine.Timeout());
        await send(first, id);
        var crash = first.DisposeAsync().AsTask(); // stops taking batches; lets only the replay in flight write
        gate.Set();
        await crash;
        Assert.Equal(OrchestrationRuntimeStatus.Running, (await first.Client.GetInstanceAsync(id))!.RuntimeStatus);
        return first;
    }

    [Fact]
    public async Task An_event_raised_just_before_a_crash_reaches_the_orchestrator_after_restart()
    {
        var storage = await SharedAzurite.NewAccountAsync();
        await CrashWithMessageInInboxAsync(storage, (e, id) => e.Client.RaiseEventAsync(id, "approval", "approved by ops"));

        await using var second = await TestEngine.StartAsync(Registry("approval"), storage);
        var done = await second.Client.WaitForInstanceCompletionAsync("needs-approval", TestEngine.Timeout());

        Assert.Equal("approved by ops", done.ReadOutputAs<string>());
        Assert.Empty(await TestEngine.BlobsAsync(second.Inbox.Container));
    }

    [Fact]
    public async Task A_terminate_request_made_just_before_a_crash_terminates_after_restart()
    {
        var storage = await SharedAzurite.NewAccountAsync();
        await CrashWithMessageInInboxAsync(storage, (e, id) => e.Client.TerminateInstanceAsync(id, "cancelled by ops"));

        await using var second = await TestEngine.StartAsync(Registry("approval"), storage);
        var done = await second.Client.WaitForInstanceCompletionAsync("needs-approval", TestEngine.Timeout());

        Assert.Equal(OrchestrationRuntimeStatus.Terminated, done.RuntimeStatus);
        Assert.Equal("cancelled by ops", done.ReadOutputAs<string>());
    }

    [Fact]
    public async Task An_event_already_in_history_is_not_delivered_again_from_a_leftover_inbox_message()
    {
        var storage = await SharedAzurite.NewAccountAsync();
        var received = new ConcurrentQueue<string>();
        var registry = new DurableRegistry().AddOrchestrator<string?, string>("Collect", async (ctx, _) =>
        {
            var first = await ctx.WaitForExternalEvent<string>("item");
            if (!ctx.IsReplaying)
            {
                received.Enqueue(first);
            }
            var stop = await ctx.WaitForExternalEvent<string>("stop");
            return first + "," + stop;
        });
        var first = await TestEngine.StartAsync(registry, storage);
        var id = await first.Client.ScheduleNewOrchestrationInstanceAsync("Collect");
        await first.Client.RaiseEventAsync(id, "item", "a");
        var executionId = (await first.Store.GetAsync(id, default))!.Value.Record.ExecutionId;
        HistoryEvent? applied = null;
        await TestEngine.EventuallyAsync(async () =>
            (applied = (await first.HistoryStore.ReadAsync(id, executionId, default)).Events
                .SingleOrDefault(e => e.Type == HistoryEventType.EventRaised)) is not null);
        // As if the process died after appending the event to history but before deleting its inbox message.
        await first.Inbox.AddAsync(id, applied!, CancellationToken.None);
        await first.DisposeAsync();

        await using var second = await TestEngine.StartAsync(registry, storage);
        await second.Client.RaiseEventAsync(id, "stop", "s");
        var done = await second.Client.WaitForInstanceCompletionAsync(id, TestEngine.Timeout());

        Assert.Equal("a,s", done.ReadOutputAs<string>());
        Assert.Equal(["a"], received);
        var row = await second.Store.GetAsync(id, default);
        var (history, _) = await second.HistoryStore.ReadAsync(id, row!.Value.Record.ExecutionId, default);
        Assert.Single(history, e => e.Type == HistoryEventType.EventRaised && e.Name == "item");
    }
}
