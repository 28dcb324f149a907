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
    public async Task An_unhandled_sub_orchestration_failure_fails_the_parent_with_the_whole_chain_of_causes()
    {
        var registry = new DurableRegistry()
            .AddActivity<string?, string>("Load", (_, _) => throw new ArgumentException("column 'age' is missing"))
            .AddOrchestrator<string?, string>("Child", (ctx, _) => ctx.CallActivityAsync<string>("Load"))
            .AddOrchestrator<string?, string>("Parent", (ctx, _) => ctx.CallSubOrchestratorAsync<string>("Child", null, "the-child"));
        await using var engine = await TestEngine.StartAsync(registry);

        var id = await engine.Client.ScheduleNewOrchestrationInstanceAsync("Parent");
        var parent = (await engine.Client.WaitForInstanceCompletionAsync(id, TestEngine.Timeout())).FailureDetails!;
        var child = (await engine.Client.GetInstanceAsync("the-child"))!.FailureDetails!;

        // Parent: "task Child failed" -> child: "task Load failed" -> activity: the ArgumentException.
        Assert.Equal(typeof(TaskFailedException).FullName, parent.ErrorType);
        Assert.Contains("'Child'", parent.ErrorMessage);
        Assert.Equal(child, parent.InnerFailure);
        Assert.Contains("'Load'", parent.InnerFailure!.ErrorMessage);
        Assert.Equal(typeof(ArgumentException).FullName, parent.InnerFailure.InnerFailure!.ErrorType);
        Assert.Equal("column 'age' is missing", parent.InnerFailure.InnerFailure.ErrorMessage);
        Assert.True(parent.IsCausedBy<ArgumentException>());
    }

    [Fact]
    public async Task A_thousand_ContinueAsNew_iterations_keep_one_small_history_blob()
    {
        var largest = 0L;
        var registry = new DurableRegistry()
            .AddOrchestrator<int, int>("Eternal", (ctx, n) =>
            {
                if (n < 1000)
                {
                    ctx.ContinueAsNew(n + 1);
                }
                return Task.FromResult(n);
            });
        await using var engine = await TestEngine.StartAsync(registry);

        var id = await engine.Client.ScheduleNewOrchestrationInstanceAsync("Eternal", 0);
        var ended = engine.Client.WaitForInstanceCompletionAsync(id, TestEngine.Timeout(60));
        while (!ended.IsCompleted)
        {
            // The current execution's history (and at most the one being deleted) is all there is, at any time.
            var blobs = await TestEngine.BlobsAsync(engine.HistoryStore.Container, id + "/");
            Assert.True(blobs.Count <= 2, $"{blobs.Count} history blobs");
            largest = Math.Max(largest, blobs.Count == 0 ? 0 : blobs.Max(b => b.Bytes));
            await Task.Delay(200);
        }
        var done = await ended;

        Assert.Equal(1000, done.ReadOutputAs<int>());
        var left = Assert.Single(await TestEngine.BlobsAsync(engine.HistoryStore.Container, id + "/"));
        Assert.True(left.Bytes < 1024, $"{left.Bytes} bytes");
        Assert.True(largest < 1024, $"{largest} bytes");
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
