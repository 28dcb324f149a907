using System.Collections.Concurrent;

namespace ModelOps.Durable.Tests;

public sealed class RetryPolicyTests
{
    private static DurableRegistry Failing(ConcurrentQueue<DateTimeOffset> attempts, TimeProvider time, RetryPolicy policy,
        Func<int, Exception> failure) => new DurableRegistry()
        .AddActivity<string?, string>("Flaky", (_, _) =>
        {
            attempts.Enqueue(time.GetUtcNow());
            throw failure(attempts.Count);
        })
        .AddOrchestrator<string?, string>("Retrying", (ctx, _) => ctx.CallActivityAsync<string>("Flaky", null, policy));

    [Fact]
    public async Task Attempts_are_spaced_by_the_backoff_capped_at_the_max_interval_then_the_last_failure_surfaces()
    {
        var time = TestEngine.FakeTime();
        var attempts = new ConcurrentQueue<DateTimeOffset>();
        var policy = new RetryPolicy(4, TimeSpan.FromSeconds(1), BackoffCoefficient: 2, MaxRetryInterval: TimeSpan.FromSeconds(3));
        await using var engine = await TestEngine.StartAsync(Failing(attempts, time, policy, n => new TimeoutException($"slow #{n}")), time: time);

        var id = await engine.Client.ScheduleNewOrchestrationInstanceAsync("Retrying");
        await TestEngine.AdvanceAfterTimerAsync(engine, time, 1, TimeSpan.FromSeconds(1));
        await TestEngine.AdvanceAfterTimerAsync(engine, time, 2, TimeSpan.FromSeconds(2));
        await TestEngine.AdvanceAfterTimerAsync(engine, time, 3, TimeSpan.FromSeconds(3));
        var done = await engine.Client.WaitForInstanceCompletionAsync(id, TestEngine.Timeout());

        var start = attempts.First();
        Assert.Equal([0, 1, 3, 6], attempts.Select(t => (t - start).TotalSeconds));
        Assert.Equal(OrchestrationRuntimeStatus.Failed, done.RuntimeStatus);
        Assert.Equal("slow #4", done.FailureDetails!.InnerFailure!.ErrorMessage);
    }

    [Fact]
    public async Task A_failure_the_Handle_filter_rejects_is_not_retried()
    {
        var time = TestEngine.FakeTime();
        var attempts = new ConcurrentQueue<DateTimeOffset>();
        var policy = new RetryPolicy(5, TimeSpan.FromSeconds(1)) { Handle = f => f.IsCausedBy<TimeoutException>() };
        // First a handled timeout (retried), then an unhandled error (surfaces at once, with attempts to spare).
        await using var engine = await TestEngine.StartAsync(Failing(attempts, time, policy,
            n => n == 1 ? new TimeoutException("slow") : new InvalidOperationException("broken")), time: time);

        var id = await engine.Client.ScheduleNewOrchestrationInstanceAsync("Retrying");
        await TestEngine.AdvanceAfterTimerAsync(engine, time, 1, TimeSpan.FromSeconds(1));
        var done = await engine.Client.WaitForInstanceCompletionAsync(id, TestEngine.Timeout());

        Assert.Equal(2, attempts.Count);
        Assert.Equal(1, engine.TimersArmed);
        Assert.True(done.FailureDetails!.IsCausedBy<InvalidOperationException>());
    }

    [Fact]
    public async Task The_retry_timeout_stops_retrying_before_a_wait_that_would_end_past_it()
    {
        var time = TestEngine.FakeTime();
        var attempts = new ConcurrentQueue<DateTimeOffset>();
        var policy = new RetryPolicy(10, TimeSpan.FromSeconds(10)) { RetryTimeout = TimeSpan.FromSeconds(25) };
        await using var engine = await TestEngine.StartAsync(Failing(attempts, time, policy, _ => new TimeoutException("slow")), time: time);

        var id = await engine.Client.ScheduleNewOrchestrationInstanceAsync("Retrying");
        await TestEngine.AdvanceAfterTimerAsync(engine, time, 1, TimeSpan.FromSeconds(10));
        await TestEngine.AdvanceAfterTimerAsync(engine, time, 2, TimeSpan.FromSeconds(10));
        var done = await engine.Client.WaitForInstanceCompletionAsync(id, TestEngine.Timeout());

        // Attempts at 0 s, 10 s and 20 s; a fourth would start at 30 s, past the 25 s budget.
        Assert.Equal(3, attempts.Count);
        Assert.Equal(OrchestrationRuntimeStatus.Failed, done.RuntimeStatus);
    }

    [Fact]
    public void Invalid_policies_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RetryPolicy(0, TimeSpan.Zero).Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new RetryPolicy(2, TimeSpan.Zero) { RetryTimeout = TimeSpan.FromSeconds(-1) }.Validate());
    }
}
