using System.Diagnostics;

namespace ModelOps.Durable.Bench.Overhead;

/// <summary>
/// Runs each comparison side by side in one process: the direct in-process call and the engine run alternate, run after
/// run, so both see the same machine load.
/// </summary>
internal sealed class OverheadBenchmark(DurableEngine engine, EngineProbe probe, StorageCallRecorder storage, TimeSpan slowWork)
{
    // The direct side is microseconds; repeat it so one timing is well above timer resolution.
    private const int DirectRepeats = 200;

    private int _runs;

    public async Task WarmUpAsync(CancellationToken ct)
    {
        await RunEngineAsync(Workload.Chain, 5, ct);
        await RunEngineAsync(Workload.FanOut, 20, ct);
        for (var i = 0; i < DirectRepeats; i++)
        {
            await Workload.DirectChainAsync(5);
            await Workload.DirectFanOutAsync(20);
        }
        storage.Take();
    }

    public async Task<ChainSample> ChainAsync(int length, CancellationToken ct)
    {
        var directStart = Stopwatch.GetTimestamp();
        for (var i = 0; i < DirectRepeats; i++)
        {
            await Workload.DirectChainAsync(length);
        }
        var directPerActivity = Stats.Ms(directStart, Stopwatch.GetTimestamp()) / DirectRepeats / length;

        storage.Take();
        var (id, started, completed) = await RunEngineAsync(Workload.Chain, length, ct);
        var calls = storage.Take();

        var replays = probe.ReplaysOf(id);
        if (replays.Count != length + 1)
        {
            throw new InvalidOperationException($"Expected {length + 1} replays of a {length}-step chain, saw {replays.Count}.");
        }
        List<double> steps = [], bodies = [], replaying = [], persisting = [];
        for (var i = 0; i < length; i++)
        {
            bodies.Add(Stats.Ms(probe.StartOf(id, i), probe.EndOf(id, i)));
            if (i == 0)
            {
                continue;
            }
            // Replay i follows the completion of activity i-1 (replay 0 follows ExecutionStarted).
            steps.Add(Stats.Ms(probe.StartOf(id, i - 1), probe.StartOf(id, i)));
            replaying.Add(Stats.Ms(probe.EndOf(id, i - 1), replays[i].Timestamp));
            persisting.Add(Stats.Ms(replays[i].Timestamp, probe.StartOf(id, i)));
        }
        return new ChainSample(Stats.Ms(started, completed), directPerActivity, steps, bodies, replaying, persisting,
            Stats.Ms(started, probe.StartOf(id, 0)), Stats.Ms(probe.EndOf(id, length - 1), completed), calls);
    }

    /// <summary>The fan-out of <paramref name="width"/>; with <paramref name="slow"/>, each activity also waits the slow work time.</summary>
    public async Task<FanOutSample> FanOutAsync(int width, bool slow, CancellationToken ct)
    {
        var directs = new List<double>(DirectRepeats);
        for (var i = 0; i < DirectRepeats / 10; i++)
        {
            var directStart = Stopwatch.GetTimestamp();
            await (slow ? Workload.DirectSlowFanOutAsync(width, slowWork) : Workload.DirectFanOutAsync(width));
            directs.Add(Stats.Ms(directStart, Stopwatch.GetTimestamp()));
        }

        storage.Take();
        var (id, started, completed) = await RunEngineAsync(slow ? Workload.FanOutSlow : Workload.FanOut, width, ct);
        var calls = storage.Take();

        var replays = probe.ReplaysOf(id);
        var firstStart = probe.StartsOf(id).Min();
        var lastEnd = probe.EndsOf(id).Max();
        return new FanOutSample(Stats.Ms(started, completed), Stats.Median(directs), Stats.Ms(started, firstStart),
            Stats.Ms(firstStart, lastEnd), Stats.Ms(lastEnd, completed), replays.Count, replays.Max(r => r.PastEvents + r.NewEvents),
            calls);
    }

    private async Task<(string Id, long Started, long Completed)> RunEngineAsync(string orchestration, int size, CancellationToken ct)
    {
        var id = $"{orchestration}-{size}-{Interlocked.Increment(ref _runs)}";
        var started = Stopwatch.GetTimestamp();
        await engine.Client.ScheduleNewOrchestrationInstanceAsync(orchestration, size, id, ct);
        var result = await engine.Client.WaitForInstanceCompletionAsync(id, ct);
        var completed = Stopwatch.GetTimestamp();
        if (result.RuntimeStatus != OrchestrationRuntimeStatus.Completed)
        {
            throw new InvalidOperationException($"{id} ended {result.RuntimeStatus}: {result.FailureDetails?.ErrorMessage}");
        }
        return (id, started, completed);
    }
}
