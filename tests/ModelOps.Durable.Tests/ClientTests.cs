namespace ModelOps.Durable.Tests;

public sealed class ClientTests
{
    private static DurableRegistry Registry() => new DurableRegistry()
        .AddOrchestrator<string?, string>("Quick", (_, x) => Task.FromResult(x ?? "done"))
        .AddOrchestrator<string?, string>("Waits", (ctx, _) => ctx.WaitForExternalEvent<string>("never"));

    [Fact]
    public async Task Instances_can_be_queried_by_name_status_and_prefix_newest_first_in_pages()
    {
        var time = TestEngine.FakeTime();
        await using var engine = await TestEngine.StartAsync(Registry(), time: time);
        foreach (var i in Enumerable.Range(0, 3))
        {
            await engine.Client.ScheduleNewOrchestrationInstanceAsync("Quick", null, $"quick-{i}");
            await engine.Client.WaitForInstanceCompletionAsync($"quick-{i}", TestEngine.Timeout());
            time.Advance(TimeSpan.FromMinutes(1));
        }
        await engine.Client.ScheduleNewOrchestrationInstanceAsync("Waits", null, "waits-0");
        await TestEngine.EventuallyAsync(async () =>
            (await engine.Client.GetInstanceAsync("waits-0"))!.RuntimeStatus == OrchestrationRuntimeStatus.Running);

        var completed = await engine.Client.QueryInstancesAsync(new OrchestrationQuery { Statuses = [OrchestrationRuntimeStatus.Completed] });
        var running = await engine.Client.QueryInstancesAsync(new OrchestrationQuery { Name = "Waits", Statuses = [OrchestrationRuntimeStatus.Running] });
        var byPrefix = await engine.Client.QueryInstancesAsync(new OrchestrationQuery { InstanceIdPrefix = "quick-" });
        var recent = await engine.Client.QueryInstancesAsync(new OrchestrationQuery { CreatedFrom = time.GetUtcNow().AddMinutes(-1) });

        Assert.Equal(["quick-2", "quick-1", "quick-0"], completed.Instances.Select(i => i.InstanceId));
        Assert.Equal(["waits-0"], running.Instances.Select(i => i.InstanceId));
        Assert.Equal(3, byPrefix.Instances.Count);
        Assert.Equal(["waits-0", "quick-2"], recent.Instances.Select(i => i.InstanceId));

        var seen = new List<string>();
        string? token = null;
        do
        {
            var page = await engine.Client.QueryInstancesAsync(new OrchestrationQuery { PageSize = 3, ContinuationToken = token });
            seen.AddRange(page.Instances.Select(i => i.InstanceId));
            token = page.ContinuationToken;
        }
        while (token is not null);
        Assert.Equal(["waits-0", "quick-2", "quick-1", "quick-0"], seen);
    }

    [Fact]
    public async Task A_terminated_instance_can_be_purged_and_its_id_reused()
    {
        await using var engine = await TestEngine.StartAsync(Registry());
        var id = await engine.Client.ScheduleNewOrchestrationInstanceAsync("Waits", null, "reuse-me");
        await TestEngine.EventuallyAsync(async () =>
            (await engine.Client.GetInstanceAsync(id))!.RuntimeStatus == OrchestrationRuntimeStatus.Running);
        await Assert.ThrowsAsync<InvalidOperationException>(() => engine.Client.PurgeInstanceAsync(id));

        await engine.Client.TerminateInstanceAsync(id, "operator said stop");
        var terminated = await engine.Client.WaitForInstanceCompletionAsync(id, TestEngine.Timeout());
        Assert.Equal(OrchestrationRuntimeStatus.Terminated, terminated.RuntimeStatus);
        Assert.Equal("operator said stop", terminated.ReadOutputAs<string>());

        Assert.True(await engine.Client.PurgeInstanceAsync(id));
        Assert.Null(await engine.Client.GetInstanceAsync(id));
        await engine.Client.ScheduleNewOrchestrationInstanceAsync("Quick", "again", id);
        Assert.Equal("again", (await engine.Client.WaitForInstanceCompletionAsync(id, TestEngine.Timeout())).ReadOutputAs<string>());
    }

    [Fact]
    public async Task Payloads_larger_than_a_table_property_round_trip()
    {
        var big = new string('x', 200_000);
        await using var engine = await TestEngine.StartAsync(Registry());
        var id = await engine.Client.ScheduleNewOrchestrationInstanceAsync("Quick", big);
        var done = await engine.Client.WaitForInstanceCompletionAsync(id, TestEngine.Timeout());

        Assert.Equal(big, done.ReadInputAs<string>());
        Assert.Equal(big, done.ReadOutputAs<string>());
    }

    [Fact]
    public async Task Invalid_options_fail_at_start_with_every_error_in_one_message()
    {
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => DurableEngine.StartAsync(
            new DurableEngineOptions { TaskHub = "Bad-Hub", MaxConcurrentActivities = 0 }, new DurableRegistry()));

        Assert.Contains("StorageConnectionString", ex.Message);
        Assert.Contains("TaskHub", ex.Message);
        Assert.Contains("MaxConcurrentActivities", ex.Message);
    }

    [Fact]
    public async Task Two_task_hubs_share_one_account_without_seeing_each_other()
    {
        var storage = await ModelOps.Testing.SharedAzurite.NewAccountAsync();
        await using var a = await TestEngine.StartAsync(Registry(), storage, configure: o => o.TaskHub = "hubone");
        await using var b = await TestEngine.StartAsync(Registry(), storage, configure: o => o.TaskHub = "hubtwo");

        await a.Client.ScheduleNewOrchestrationInstanceAsync("Quick", null, "same-id");
        await b.Client.ScheduleNewOrchestrationInstanceAsync("Quick", null, "same-id");

        Assert.NotNull(await a.Client.WaitForInstanceCompletionAsync("same-id", TestEngine.Timeout()));
        Assert.NotNull(await b.Client.WaitForInstanceCompletionAsync("same-id", TestEngine.Timeout()));
    }
}
