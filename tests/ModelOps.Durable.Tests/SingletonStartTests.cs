namespace ModelOps.Durable.Tests;

public sealed class SingletonStartTests
{
    private static DurableRegistry Registry() => new DurableRegistry()
        .AddOrchestrator<string, string>("Echo", (_, x) => x == "fail" ? throw new InvalidOperationException("failed run") : Task.FromResult(x))
        .AddOrchestrator<string?, string>("Waits", (ctx, _) => ctx.WaitForExternalEvent<string>("go"));

    [Fact]
    public async Task A_singleton_start_replaces_an_ended_instance_with_a_fresh_execution()
    {
        await using var engine = await TestEngine.StartAsync(Registry());
        await engine.Client.ScheduleNewOrchestrationInstanceAsync("Echo", "first", "retrain-churn");
        var first = await engine.Client.WaitForInstanceCompletionAsync("retrain-churn", TestEngine.Timeout());

        await engine.Client.ScheduleNewOrchestrationInstanceAsync("Echo", "second", StartOrchestrationOptions.Singleton("retrain-churn"));
        var second = await engine.Client.WaitForInstanceCompletionAsync("retrain-churn", TestEngine.Timeout());

        Assert.Equal("first", first.ReadOutputAs<string>());
        Assert.Equal("second", second.ReadOutputAs<string>());
        Assert.Equal("\"second\"", second.SerializedInput);
        Assert.Single(await TestEngine.BlobsAsync(engine.HistoryStore.Container, "retrain-churn/")); // the old execution's history went with it
    }

    [Fact]
    public async Task A_singleton_start_throws_while_the_instance_is_running_and_leaves_it_alone()
    {
        await using var engine = await TestEngine.StartAsync(Registry());
        await engine.Client.ScheduleNewOrchestrationInstanceAsync("Waits", null, StartOrchestrationOptions.Singleton("one"));
        await TestEngine.EventuallyAsync(async () =>
            (await engine.Client.GetInstanceAsync("one"))!.RuntimeStatus == OrchestrationRuntimeStatus.Running);

        await Assert.ThrowsAsync<OrchestrationAlreadyExistsException>(() =>
            engine.Client.ScheduleNewOrchestrationInstanceAsync("Waits", null, StartOrchestrationOptions.Singleton("one")));

        await engine.Client.RaiseEventAsync("one", "go", "still the first");
        Assert.Equal("still the first", (await engine.Client.WaitForInstanceCompletionAsync("one", TestEngine.Timeout())).ReadOutputAs<string>());
    }

    [Fact]
    public async Task Dedupe_statuses_keep_ids_of_those_statuses_taken_and_reuse_the_others()
    {
        await using var engine = await TestEngine.StartAsync(Registry());
        var keepCompleted = new StartOrchestrationOptions { DedupeStatuses = [OrchestrationRuntimeStatus.Completed] };
        await engine.Client.ScheduleNewOrchestrationInstanceAsync("Echo", "ok", keepCompleted with { InstanceId = "done" });
        await engine.Client.ScheduleNewOrchestrationInstanceAsync("Echo", "fail", keepCompleted with { InstanceId = "broke" });
        await engine.Client.WaitForInstanceCompletionAsync("done", TestEngine.Timeout());
        Assert.Equal(OrchestrationRuntimeStatus.Failed, (await engine.Client.WaitForInstanceCompletionAsync("broke", TestEngine.Timeout())).RuntimeStatus);

        await Assert.ThrowsAsync<OrchestrationAlreadyExistsException>(() =>
            engine.Client.ScheduleNewOrchestrationInstanceAsync("Echo", "again", keepCompleted with { InstanceId = "done" }));
        await engine.Client.ScheduleNewOrchestrationInstanceAsync("Echo", "retried", keepCompleted with { InstanceId = "broke" });

        var retried = await engine.Client.WaitForInstanceCompletionAsync("broke", TestEngine.Timeout());
        Assert.Equal(OrchestrationRuntimeStatus.Completed, retried.RuntimeStatus);
        Assert.Equal("retried", retried.ReadOutputAs<string>());
        Assert.Null(retried.FailureDetails);
    }

    [Fact]
    public async Task The_default_start_options_keep_every_used_id_taken()
    {
        await using var engine = await TestEngine.StartAsync(Registry());
        await engine.Client.ScheduleNewOrchestrationInstanceAsync("Echo", "fail", new StartOrchestrationOptions { InstanceId = "blob-v7" });
        await engine.Client.WaitForInstanceCompletionAsync("blob-v7", TestEngine.Timeout());

        await Assert.ThrowsAsync<OrchestrationAlreadyExistsException>(() =>
            engine.Client.ScheduleNewOrchestrationInstanceAsync("Echo", "x", new StartOrchestrationOptions { InstanceId = "blob-v7" }));
        await Assert.ThrowsAsync<OrchestrationAlreadyExistsException>(() =>
            engine.Client.ScheduleNewOrchestrationInstanceAsync("Echo", "x", "blob-v7"));
    }
}
