using ModelOps.Testing;

namespace ModelOps.Durable.Tests;

/// <summary>The deploy step's approval: an external event raced against a 24-hour durable timer, on virtual time.</summary>
public sealed class ApprovalTests
{
    private static readonly TimeSpan Day = TimeSpan.FromHours(24);

    /// <summary>Either the explicit race (<c>Task.WhenAny</c> of event and timer) or the overload with a timeout.</summary>
    private static DurableRegistry Registry(bool useTimeoutOverload) => new DurableRegistry()
        .AddOrchestrator<string?, string>("AwaitApproval", async (ctx, _) =>
        {
            if (useTimeoutOverload)
            {
                try
                {
                    return await ctx.WaitForExternalEvent<string>("approve", Day);
                }
                catch (TaskCanceledException)
                {
                    return "timed out";
                }
            }
            using var cts = new CancellationTokenSource();
            var approval = ctx.WaitForExternalEvent<string>("approve");
            var timeout = ctx.CreateTimer(ctx.CurrentUtcDateTime.Add(Day), cts.Token);
            if (await Task.WhenAny(approval, timeout) == approval)
            {
                cts.Cancel();
                return await approval;
            }
            return "timed out";
        });

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_approval_before_the_timeout_wins(bool useTimeoutOverload)
    {
        var time = TestEngine.FakeTime();
        await using var engine = await TestEngine.StartAsync(Registry(useTimeoutOverload), time: time);
        var id = await engine.Client.ScheduleNewOrchestrationInstanceAsync("AwaitApproval");
        await TestEngine.AdvanceAfterTimerAsync(engine, time, 1, TimeSpan.FromHours(23));

        await engine.Client.RaiseEventAsync(id, "approve", "approved");

        Assert.Equal("approved", (await engine.Client.WaitForInstanceCompletionAsync(id, TestEngine.Timeout())).ReadOutputAs<string>());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Without_an_approval_the_timeout_path_runs_after_24_hours(bool useTimeoutOverload)
    {
        var time = TestEngine.FakeTime();
        await using var engine = await TestEngine.StartAsync(Registry(useTimeoutOverload), time: time);
        var id = await engine.Client.ScheduleNewOrchestrationInstanceAsync("AwaitApproval");

        await TestEngine.AdvanceAfterTimerAsync(engine, time, 1, Day);

        Assert.Equal("timed out", (await engine.Client.WaitForInstanceCompletionAsync(id, TestEngine.Timeout())).ReadOutputAs<string>());
    }

    [Fact]
    public async Task The_approval_timeout_fires_after_an_engine_restart()
    {
        var storage = await SharedAzurite.NewAccountAsync();
        var time = TestEngine.FakeTime();
        var first = await TestEngine.StartAsync(Registry(useTimeoutOverload: true), storage, time);
        var id = await first.Client.ScheduleNewOrchestrationInstanceAsync("AwaitApproval");
        await TestEngine.EventuallyAsync(() => Task.FromResult(first.TimersArmed == 1));
        time.Advance(TimeSpan.FromHours(12));
        await first.DisposeAsync();

        await using var second = await TestEngine.StartAsync(Registry(useTimeoutOverload: true), storage, time);
        await TestEngine.AdvanceAfterTimerAsync(second, time, 1, TimeSpan.FromHours(12));

        Assert.Equal("timed out", (await second.Client.WaitForInstanceCompletionAsync(id, TestEngine.Timeout())).ReadOutputAs<string>());
    }
}
