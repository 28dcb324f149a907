using System.Collections.Concurrent;

namespace ModelOps.Durable.Tests;

public sealed class OrchestrationTests
{
    [Fact]
    public async Task An_activity_chain_completes_with_its_output()
    {
        var registry = new DurableRegistry()
            .AddActivity<int, int>("Double", (x, _) => Task.FromResult(x * 2))
            .AddActivity<int, string>("Show", (x, _) => Task.FromResult($"={x}"))
            .AddOrchestrator<int, string>("Chain", async (ctx, x) =>
            {
                var a = await ctx.CallActivityAsync<int>("Double", x);
                var b = await ctx.CallActivityAsync<int>("Double", a);
                return await ctx.CallActivityAsync<string>("Show", b);
            });
        await using var engine = await TestEngine.StartAsync(registry);

        var id = await engine.Client.ScheduleNewOrchestrationInstanceAsync("Chain", 3);
        var done = await engine.Client.WaitForInstanceCompletionAsync(id, TestEngine.Timeout());

        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        Assert.Equal("=12", done.ReadOutputAs<string>());
        Assert.Equal("3", done.SerializedInput);
    }

    [Fact]
    public async Task A_fan_out_of_100_activities_fans_in_with_WhenAll()
    {
        var calls = 0;
        var registry = new DurableRegistry()
            .AddActivity<int, int>("Square", async (x, _) =>
            {
                Interlocked.Increment(ref calls);
                await Task.Yield();
                return x * x;
            })
            .AddOrchestrator<int, long>("FanOut", async (ctx, n) =>
            {
                var tasks = Enumerable.Range(1, n).Select(i => ctx.CallActivityAsync<int>("Square", i)).ToList();
                var results = await Task.WhenAll(tasks);
                return results.Sum(r => (long)r);
            });
        await using var engine = await TestEngine.StartAsync(registry);

        var id = await engine.Client.ScheduleNewOrchestrationInstanceAsync("FanOut", 100);
        var done = await engine.Client.WaitForInstanceCompletionAsync(id, TestEngine.Timeout());

        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        Assert.Equal(Enumerable.Range(1, 100).Sum(i => (long)i * i), done.ReadOutputAs<long>());
        Assert.Equal(100, calls);
    }

    [Fact]
    public async Task WhenAny_returns_the_first_activity_to_finish_and_replays_the_same_way()
    {
        var gate = new TaskCompletionSource();
        var registry = new DurableRegistry()
            .AddActivity<string, string>("Slow", async (x, _) => { await gate.Task; return x; })
            .AddActivity<string, string>("Fast", (x, _) => Task.FromResult(x))
            .AddOrchestrator<string?, string>("Race", async (ctx, _) =>
            {
                var slow = ctx.CallActivityAsync<string>("Slow", "slow");
                var fast = ctx.CallActivityAsync<string>("Fast", "fast");
                var first = await Task.WhenAny(slow, fast);
                var winner = await first;
                gate.TrySetResult();
                // A later step forces a replay of the WhenAny above.
                var after = await ctx.CallActivityAsync<string>("Fast", "after");
                return $"{winner},{after},{await slow}";
            });
        await using var engine = await TestEngine.StartAsync(registry);

        var id = await engine.Client.ScheduleNewOrchestrationInstanceAsync("Race");
        var done = await engine.Client.WaitForInstanceCompletionAsync(id, TestEngine.Timeout());

        Assert.Equal("fast,after,slow", done.ReadOutputAs<string>());
    }

    [Fact]
    public async Task A_failing_activity_is_retried_by_the_policy_then_surfaces_as_TaskFailedException_with_details()
    {
        var attempts = 0;
        var registry = new DurableRegistry()
            .AddActivity<string, string>("Flaky", (_, _) =>
            {
                Interlocked.Increment(ref attempts);
                throw new InvalidOperationException("disk on fire");
            })
            .AddOrchestrator<string?, string>("Retrying", async (ctx, _) =>
            {
                try
                {
                    await ctx.CallActivityAsync<string>("Flaky", "x", new RetryPolicy(3, TimeSpan.FromMilliseconds(10), 2));
                    return "no failure";
                }
                catch (TaskFailedException ex)
                {
                    return $"{ex.Message}|{ex.FailureDetails.ErrorType}|{ex.FailureDetails.ErrorMessage}";
                }
            });
        await using var engine = await TestEngine.StartAsync(registry);

        var id = await engine.Client.ScheduleNewOrchestrationInstanceAsync("Retrying");
        var done = await engine.Client.WaitForInstanceCompletionAsync(id, TestEngine.Timeout());

        var parts = done.ReadOutputAs<string>()!.Split('|');
        Assert.Contains("Flaky", parts[0]);
        Assert.Contains("disk on fire", parts[0]);
        Assert.Equal(typeof(InvalidOperationException).FullName, parts[1]);
        Assert.Equal("disk on fire", parts[2]);
        Assert.Equal(3, attempts);
    }

    [Fact]
    public async Task An_unhandled_activity_failure_fails_the_instance_with_the_inner_failure_attached()
    {
        var registry = new DurableRegistry()
            .AddActivity<string, string>("Boom", (_, _) => throw new ArgumentException("bad argument"))
            .AddOrchestrator<string?, string>("Unhandled", (ctx, _) => ctx.CallActivityAsync<string>("Boom"));
        await using var engine = await TestEngine.StartAsync(registry);

        var id = await engine.Client.ScheduleNewOrchestrationInstanceAsync("Unhandled");
        var done = await engine.Client.WaitForInstanceCompletionAsync(id, TestEngine.Timeout());

        Assert.Equal(OrchestrationRuntimeStatus.Failed, done.RuntimeStatus);
        Assert.Equal(typeof(TaskFailedException).FullName, done.FailureDetails!.ErrorType);
        Assert.Contains("Boom", done.FailureDetails.ErrorMessage);
        Assert.Equal("bad argument", done.FailureDetails.InnerFailure!.ErrorMessage);
        Assert.True(done.FailureDetails.IsCausedBy<ArgumentException>());
    }

    [Fact]
    public async Task An_orchestrator_that_throws_is_recorded_as_failed()
    {
        var registry = new DurableRegistry()
            .AddOrchestrator<string?, string>("Throws", (_, _) => throw new InvalidOperationException("orchestrator says no"));
        await using var engine = await TestEngine.StartAsync(registry);

        var id = await engine.Client.ScheduleNewOrchestrationInstanceAsync("Throws");
        var done = await engine.Client.WaitForInstanceCompletionAsync(id, TestEngine.Timeout());

        Assert.Equal(OrchestrationRuntimeStatus.Failed, done.RuntimeStatus);
        Assert.Equal("orchestrator says no", done.FailureDetails!.ErrorMessage);
        Assert.Equal(typeof(InvalidOperationException).FullName, done.FailureDetails.ErrorType);
    }

    [Fact]
    public async Task Unknown_orchestrator_and_activity_names_fail_clearly()
    {
        var registry = new DurableRegistry()
            .AddOrchestrator<string?, string>("CallsNothing", (ctx, _) => ctx.CallActivityAsync<string>("Missing"));
        await using var engine = await TestEngine.StartAsync(registry);

        var unknownOrchestrator = await engine.Client.ScheduleNewOrchestrationInstanceAsync("Nope");
        var unknownActivity = await engine.Client.ScheduleNewOrchestrationInstanceAsync("CallsNothing");

        var a = await engine.Client.WaitForInstanceCompletionAsync(unknownOrchestrator, TestEngine.Timeout());
        var b = await engine.Client.WaitForInstanceCompletionAsync(unknownActivity, TestEngine.Timeout());
        Assert.Contains("No orchestrator named 'Nope'", a.FailureDetails!.ErrorMessage);
        Assert.Contains("No activity named 'Missing'", b.FailureDetails!.InnerFailure!.ErrorMessage);
    }

    [Fact]
    public async Task Scheduling_the_same_instance_id_twice_throws_OrchestrationAlreadyExistsException()
    {
        var registry = new DurableRegistry().AddOrchestrator<int, int>("Id", (_, x) => Task.FromResult(x));
        await using var engine = await TestEngine.StartAsync(registry);

        await engine.Client.ScheduleNewOrchestrationInstanceAsync("Id", 1, "blob-v1");
        await engine.Client.WaitForInstanceCompletionAsync("blob-v1", TestEngine.Timeout());
        var ex = await Assert.ThrowsAsync<OrchestrationAlreadyExistsException>(
            () => engine.Client.ScheduleNewOrchestrationInstanceAsync("Id", 2, "blob-v1"));

        Assert.Equal("blob-v1", ex.InstanceId);
        Assert.Equal(1, (await engine.Client.GetInstanceAsync("blob-v1"))!.ReadOutputAs<int>());
    }

    [Fact]
    public async Task A_timer_fires_when_virtual_time_reaches_it()
    {
        var time = TestEngine.FakeTime();
        var registry = new DurableRegistry()
            .AddOrchestrator<string?, string>("Sleeper", async (ctx, _) =>
            {
                var start = ctx.CurrentUtcDateTime;
                await ctx.CreateTimer(start.AddHours(1), CancellationToken.None);
                return (ctx.CurrentUtcDateTime - start).ToString();
            });
        await using var engine = await TestEngine.StartAsync(registry, time: time);

        var id = await engine.Client.ScheduleNewOrchestrationInstanceAsync("Sleeper");
        await TestEngine.EventuallyAsync(async () =>
            (await engine.Client.GetInstanceAsync(id))!.RuntimeStatus == OrchestrationRuntimeStatus.Running);
        time.Advance(TimeSpan.FromMinutes(59));
        await Task.Delay(100);
        Assert.Equal(OrchestrationRuntimeStatus.Running, (await engine.Client.GetInstanceAsync(id))!.RuntimeStatus);

        time.Advance(TimeSpan.FromMinutes(1));
        var done = await engine.Client.WaitForInstanceCompletionAsync(id, TestEngine.Timeout());
        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        Assert.Equal(TimeSpan.FromHours(1).ToString(), done.ReadOutputAs<string>());
    }

    [Fact]
    public async Task An_external_event_raised_before_the_wait_is_delivered_when_the_orchestrator_waits()
    {
        var gate = new TaskCompletionSource();
        var registry = new DurableRegistry()
            .AddActivity<string?, string>("Hold", async (_, _) => { await gate.Task; return "held"; })
            .AddOrchestrator<string?, string>("Approval", async (ctx, _) =>
            {
                await ctx.CallActivityAsync<string>("Hold");
                var answer = await ctx.WaitForExternalEvent<string>("approve");
                return answer;
            });
        await using var engine = await TestEngine.StartAsync(registry);

        var id = await engine.Client.ScheduleNewOrchestrationInstanceAsync("Approval");
        await engine.Client.RaiseEventAsync(id, "approve", "yes");
        gate.SetResult();
        var done = await engine.Client.WaitForInstanceCompletionAsync(id, TestEngine.Timeout());

        Assert.Equal("yes", done.ReadOutputAs<string>());
    }

    [Fact]
    public async Task Waiting_for_an_event_with_a_timeout_throws_when_virtual_time_runs_out()
    {
        var time = TestEngine.FakeTime();
        var registry = new DurableRegistry()
            .AddOrchestrator<string?, string>("Approval", async (ctx, _) =>
            {
                try
                {
                    return await ctx.WaitForExternalEvent<string>("approve", TimeSpan.FromDays(1));
                }
                catch (TaskCanceledException)
                {
                    return "timed out";
                }
            });
        await using var engine = await TestEngine.StartAsync(registry, time: time);

        var id = await engine.Client.ScheduleNewOrchestrationInstanceAsync("Approval");
        await TestEngine.EventuallyAsync(async () =>
            (await engine.Client.GetInstanceAsync(id))!.RuntimeStatus == OrchestrationRuntimeStatus.Running);
        time.Advance(TimeSpan.FromDays(1));
        var done = await engine.Client.WaitForInstanceCompletionAsync(id, TestEngine.Timeout());

        Assert.Equal("timed out", done.ReadOutputAs<string>());
    }

    [Fact]
    public async Task Custom_status_is_visible_through_GetInstanceAsync()
    {
        var registry = new DurableRegistry()
            .AddOrchestrator<string?, string>("Reporting", async (ctx, _) =>
            {
                ctx.SetCustomStatus(new { Stage = "waiting" });
                return await ctx.WaitForExternalEvent<string>("go");
            });
        await using var engine = await TestEngine.StartAsync(registry);

        var id = await engine.Client.ScheduleNewOrchestrationInstanceAsync("Reporting");
        await TestEngine.EventuallyAsync(async () => (await engine.Client.GetInstanceAsync(id))!.SerializedCustomStatus is not null);

        var running = await engine.Client.GetInstanceAsync(id);
        Assert.Equal("""{"stage":"waiting"}""", running!.SerializedCustomStatus);
        Assert.Equal(OrchestrationRuntimeStatus.Running, running.RuntimeStatus);
        await engine.Client.RaiseEventAsync(id, "go", "went");
        Assert.Equal("went", (await engine.Client.WaitForInstanceCompletionAsync(id, TestEngine.Timeout())).ReadOutputAs<string>());
    }

    [Fact]
    public async Task Replayed_code_that_schedules_a_different_activity_fails_the_instance_naming_both()
    {
        var version = 1;
        var registry = new DurableRegistry()
            .AddActivity<string?, string>("Old", (_, _) => Task.FromResult("old"))
            .AddActivity<string?, string>("New", (_, _) => Task.FromResult("new"))
            .AddOrchestrator<string?, string>("Changing", async (ctx, _) =>
            {
                await ctx.CallActivityAsync<string>(version == 1 ? "Old" : "New");
                return await ctx.WaitForExternalEvent<string>("next");
            });
        await using var engine = await TestEngine.StartAsync(registry);

        var id = await engine.Client.ScheduleNewOrchestrationInstanceAsync("Changing");
        await TestEngine.EventuallyAsync(async () =>
            (await engine.Client.GetInstanceAsync(id))!.RuntimeStatus == OrchestrationRuntimeStatus.Running
            && engine.HistoryStore is { } h && (await h.ReadAsync(id, (await engine.Store.GetAsync(id, default))!.Value.Record.ExecutionId, default))
                .Events.Any(e => e.Type == HistoryEventType.TaskCompleted));
        version = 2; // a "deployment" that changed the orchestrator's code under a running instance
        await engine.Client.RaiseEventAsync(id, "next", "x");
        var done = await engine.Client.WaitForInstanceCompletionAsync(id, TestEngine.Timeout());

        Assert.Equal(OrchestrationRuntimeStatus.Failed, done.RuntimeStatus);
        Assert.Contains("Non-deterministic", done.FailureDetails!.ErrorMessage);
        Assert.Contains("activity 'Old'", done.FailureDetails.ErrorMessage);
        Assert.Contains("activity 'New'", done.FailureDetails.ErrorMessage);
    }

    [Fact]
    public async Task NewGuid_and_IsReplaying_are_stable_across_replays()
    {
        var guids = new ConcurrentBag<Guid>();
        var replayFlags = new ConcurrentQueue<bool>();
        var registry = new DurableRegistry()
            .AddActivity<string?, string>("Step", (_, _) => Task.FromResult("ok"))
            .AddOrchestrator<string?, string>("Guids", async (ctx, _) =>
            {
                guids.Add(ctx.NewGuid());
                replayFlags.Enqueue(ctx.IsReplaying);
                await ctx.CallActivityAsync("Step");
                await ctx.CallActivityAsync("Step");
                return "done";
            });
        await using var engine = await TestEngine.StartAsync(registry);

        var id = await engine.Client.ScheduleNewOrchestrationInstanceAsync("Guids");
        await engine.Client.WaitForInstanceCompletionAsync(id, TestEngine.Timeout());

        Assert.Equal(3, guids.Count);
        Assert.Single(guids.Distinct());
        Assert.Equal([false, true, true], replayFlags.ToArray());
    }
}
