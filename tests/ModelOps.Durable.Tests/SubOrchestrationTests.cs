namespace ModelOps.Durable.Tests;

public sealed class SubOrchestrationTests
{
    [Fact]
    public async Task A_sub_orchestration_returns_its_output_to_the_parent()
    {
        var registry = new DurableRegistry()
            .AddActivity<int, int>("Inc", (x, _) => Task.FromResult(x + 1))
            .AddOrchestrator<int, int>("Child", (ctx, x) => ctx.CallActivityAsync<int>("Inc", x))
            .AddOrchestrator<int, int>("Parent", async (ctx, x) =>
            {
                var results = await Task.WhenAll(
                    ctx.CallSubOrchestratorAsync<int>("Child", x),
                    ctx.CallSubOrchestratorAsync<int>("Child", x * 10, "named-child"));
                return results.Sum();
            });
        await using var engine = await TestEngine.StartAsync(registry);

        var id = await engine.Client.ScheduleNewOrchestrationInstanceAsync("Parent", 1);
        var done = await engine.Client.WaitForInstanceCompletionAsync(id, TestEngine.Timeout());

        Assert.Equal(2 + 11, done.ReadOutputAs<int>());
        Assert.Equal(OrchestrationRuntimeStatus.Completed, (await engine.Client.GetInstanceAsync("named-child"))!.RuntimeStatus);
    }

    [Fact]
    public async Task A_failing_sub_orchestration_throws_TaskFailedException_in_the_parent()
    {
        var registry = new DurableRegistry()
            .AddOrchestrator<string?, string>("Child", (_, _) => throw new InvalidOperationException("child broke"))
            .AddOrchestrator<string?, string>("Parent", async (ctx, _) =>
            {
                try
                {
                    return await ctx.CallSubOrchestratorAsync<string>("Child");
                }
                catch (TaskFailedException ex)
                {
                    return ex.FailureDetails.ErrorMessage;
                }
            });
        await using var engine = await TestEngine.StartAsync(registry);

        var id = await engine.Client.ScheduleNewOrchestrationInstanceAsync("Parent");
        Assert.Equal("child broke", (await engine.Client.WaitForInstanceCompletionAsync(id, TestEngine.Timeout())).ReadOutputAs<string>());
    }

    [Fact]
    public async Task ContinueAsNew_restarts_with_the_new_input_until_done()
    {
        var registry = new DurableRegistry()
            .AddOrchestrator<int, int>("Countdown", (ctx, n) =>
            {
                if (n > 0)
                {
                    ctx.ContinueAsNew(n - 1);
                }
                return Task.FromResult(n);
            });
        await using var engine = await TestEngine.StartAsync(registry);

        var id = await engine.Client.ScheduleNewOrchestrationInstanceAsync("Countdown", 3);
        var done = await engine.Client.WaitForInstanceCompletionAsync(id, TestEngine.Timeout());

        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        Assert.Equal(0, done.ReadOutputAs<int>());
        Assert.Equal("0", done.SerializedInput);
    }
}
