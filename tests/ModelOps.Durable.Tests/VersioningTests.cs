using ModelOps.Testing;

namespace ModelOps.Durable.Tests;

public sealed class VersioningTests
{
    private static DurableRegistry Registry(params string[] versions)
    {
        var registry = new DurableRegistry();
        foreach (var version in versions)
        {
            registry.AddOrchestrator<string?, string>("Deploy", version, async (ctx, _) =>
                $"v{version}:" + await ctx.WaitForExternalEvent<string>("go"));
        }
        return registry;
    }

    [Fact]
    public async Task New_instances_start_on_the_newest_version_unless_one_is_named_and_replay_on_their_own()
    {
        await using var engine = await TestEngine.StartAsync(Registry("1", "2", "10"));

        var newest = await engine.Client.ScheduleNewOrchestrationInstanceAsync("Deploy");
        var pinned = await engine.Client.ScheduleNewOrchestrationInstanceAsync("Deploy", null, new StartOrchestrationOptions { Version = "2" });
        await engine.Client.RaiseEventAsync(newest, "go", "a");
        await engine.Client.RaiseEventAsync(pinned, "go", "b");

        var a = await engine.Client.WaitForInstanceCompletionAsync(newest, TestEngine.Timeout());
        var b = await engine.Client.WaitForInstanceCompletionAsync(pinned, TestEngine.Timeout());
        Assert.Equal(("10", "v10:a"), (a.Version, a.ReadOutputAs<string>()));
        Assert.Equal(("2", "v2:b"), (b.Version, b.ReadOutputAs<string>()));
    }

    [Fact]
    public async Task An_instance_whose_version_the_host_lacks_is_left_running_with_a_note_and_resumes_on_a_host_that_has_it()
    {
        var storage = await SharedAzurite.NewAccountAsync();
        var v2 = await TestEngine.StartAsync(Registry("1", "2"), storage);
        var id = await v2.Client.ScheduleNewOrchestrationInstanceAsync("Deploy", null, "upgrade-me");
        await TestEngine.EventuallyAsync(async () => (await v2.Client.GetInstanceAsync(id))!.RuntimeStatus == OrchestrationRuntimeStatus.Running);
        var executionId = (await v2.Store.GetAsync(id, default))!.Value.Record.ExecutionId;
        var historyBefore = (await v2.HistoryStore.ReadAsync(id, executionId, default)).Events.Count;
        await v2.DisposeAsync();

        // A rollback: this host only knows version 1.
        await using (var v1 = await TestEngine.StartAsync(Registry("1"), storage))
        {
            await v1.Client.RaiseEventAsync(id, "go", "while parked");
            var parked = await v1.Client.GetInstanceAsync(id);

            Assert.Equal(OrchestrationRuntimeStatus.Running, parked!.RuntimeStatus);
            Assert.Equal("2", parked.Version);
            Assert.Contains("version '2'", parked.Note);
            Assert.Contains("'1'", parked.Note);
            Assert.Equal(historyBefore, (await v1.HistoryStore.ReadAsync(id, executionId, default)).Events.Count);
            Assert.Null(v1.LiveInstance(id));
        }

        await using var again = await TestEngine.StartAsync(Registry("1", "2"), storage);
        var done = await again.Client.WaitForInstanceCompletionAsync(id, TestEngine.Timeout());
        Assert.Equal("v2:while parked", done.ReadOutputAs<string>());
        Assert.Null(done.Note);
    }

    [Fact]
    public void Versions_order_numerically_part_by_part()
    {
        string[] versions = ["1.10", "", "2", "1.9", "10", "1"];
        Assert.Equal(["", "1", "1.9", "1.10", "2", "10"], versions.Order(VersionComparer.Instance));
        Assert.Throws<ArgumentException>(() => Registry("1", "1"));
    }
}
