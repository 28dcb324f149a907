using System.Diagnostics;
using ModelOps.Core.Serving.Traffic;
using ModelOps.Local.Storage;
using static ModelOps.Core.Tests.Serving.Traffic.TrafficTestKit;

namespace ModelOps.Core.Tests.Serving.Traffic;

/// <summary>Each test stops and restarts an Azurite of its own, on the same ports, as a storage outage.</summary>
public sealed class TrafficLogOutageTests
{
    private static TrafficLogOptions Small(TrafficFullMode mode, TimeSpan? waitTimeout = null) => new()
    {
        Host = "web-1", Capacity = 100, MaxBatch = 10, FullMode = mode, WaitTimeout = waitTimeout ?? TimeSpan.FromSeconds(1),
        FlushInterval = TimeSpan.FromMilliseconds(50), RetryDelay = TimeSpan.FromMilliseconds(50), MaxRetryDelay = TimeSpan.FromMilliseconds(200),
    };

    [Fact]
    public async Task With_storage_down_drop_newest_never_blocks_counts_drops_and_flushes_the_buffer_after_restart()
    {
        await using var azurite = await Azurite.StartAsync();
        var blobs = await NewBlobsAsync(azurite.ConnectionString());
        var log = new TrafficLog(blobs, Small(TrafficFullMode.DropNewest), TimeProvider.System);
        await log.StartAsync();
        for (var i = 0; i < 5; i++)
        {
            Assert.True(log.TryWrite(Record($"before-{i}")));
        }
        await EventuallyAsync(() => log.Counters.Written == 5, "the first records are written");

        await azurite.StopAsync();
        var accepted = 0;
        var slowest = TimeSpan.Zero;
        for (var i = 0; i < 1_000; i++)
        {
            var clock = Stopwatch.StartNew();
            accepted += log.TryWrite(Record($"during-{i}")) ? 1 : 0;
            slowest = clock.Elapsed > slowest ? clock.Elapsed : slowest;
            if (i == 50)
            {
                await EventuallyAsync(() => log.Counters.FailedFlushes > 0, "an append fails");
            }
        }
        var during = log.Counters;
        Assert.True(slowest < TimeSpan.FromMilliseconds(100), $"a write took {slowest.TotalMilliseconds} ms");
        Assert.InRange(accepted, 100, 110); // the buffer plus at most the one batch in flight
        Assert.Equal(1_000 - accepted, during.Dropped);
        Assert.InRange(during.Pending, 0, 110);

        await azurite.RestartAsync();
        await EventuallyAsync(() => log.Counters.Pending == 0, "the buffer drains after the restart");
        await log.StopAsync();

        var records = await AllRecordsAsync(blobs);
        Assert.Equal(5 + accepted, records.Count);
        Assert.Equal(records.Count, records.Select(r => r.RequestId).Distinct().Count());
        Assert.Equal(5 + accepted, log.Counters.Written);
    }

    [Fact]
    public async Task With_storage_down_wait_mode_makes_writers_wait_instead_of_growing_the_buffer()
    {
        await using var azurite = await Azurite.StartAsync();
        var blobs = await NewBlobsAsync(azurite.ConnectionString());
        var log = new TrafficLog(blobs, Small(TrafficFullMode.Wait, TimeSpan.FromSeconds(60)), TimeProvider.System);
        await log.StartAsync();
        await azurite.StopAsync();

        var writes = Enumerable.Range(0, 150).Select(i => log.WriteAsync(Record($"r-{i}")).AsTask()).ToList();
        await EventuallyAsync(() => log.Counters.FailedFlushes > 0, "an append fails");
        await Task.Delay(300);
        var waiting = writes.Count(w => !w.IsCompleted);
        Assert.InRange(waiting, 150 - 110, 150 - 100);
        Assert.InRange(log.Counters.Pending, 100, 110);
        Assert.Equal(0, log.Counters.Dropped);

        await azurite.RestartAsync();
        Assert.All(await Task.WhenAll(writes), Assert.True);
        await log.StopAsync();

        var records = await AllRecordsAsync(blobs);
        Assert.Equal(150, records.Select(r => r.RequestId).Distinct().Count());
        Assert.Equal(150, records.Count);
    }

    [Fact]
    public async Task A_wait_that_times_out_drops_the_record_and_counts_it()
    {
        await using var azurite = await Azurite.StartAsync();
        var blobs = await NewBlobsAsync(azurite.ConnectionString());
        var log = new TrafficLog(blobs, Small(TrafficFullMode.Wait, TimeSpan.FromMilliseconds(100)), TimeProvider.System);
        await azurite.StopAsync();
        // Not started: nothing drains, so the buffer stays full.
        for (var i = 0; i < 100; i++)
        {
            Assert.True(await log.WriteAsync(Record($"r-{i}")));
        }

        Assert.False(await log.WriteAsync(Record("one-too-many")));
        Assert.Equal(1, log.Counters.Dropped);

        using var giveUp = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await log.StopAsync(giveUp.Token); // storage still down: shutdown gives up and counts what was left
        Assert.Equal(101, log.Counters.Dropped);
        Assert.Equal(0, log.Counters.Pending);
    }
}
