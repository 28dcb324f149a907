namespace ModelOps.Durable.Bench.Overhead;

/// <summary>
/// The work both sides of each comparison run: the same trivial activity method, called directly in process or
/// through the engine, and the two orchestrations that call it (a sequential chain and a fan-out).
/// </summary>
internal static class Workload
{
    public const string Chain = "chain";
    public const string FanOut = "fanout";
    public const string Increment = "increment";
    public const string FanOutSlow = "fanoutslow";
    public const string SlowIncrement = "slowincrement";

    /// <summary>The activity body: trivial on purpose, so what is measured is the engine around it.</summary>
    public static Task<int> IncrementAsync(int x) => Task.FromResult(x + 1);

    /// <summary>The same increment after a short wait: completions then arrive over time instead of all at once.</summary>
    public static async Task<int> SlowIncrementAsync(int x, TimeSpan work)
    {
        await Task.Delay(work);
        return x + 1;
    }

    public static async Task<int> DirectChainAsync(int length)
    {
        var x = 0;
        for (var i = 0; i < length; i++)
        {
            x = await IncrementAsync(x);
        }
        return x;
    }

    public static async Task<int> DirectFanOutAsync(int width)
    {
        var results = await Task.WhenAll(Enumerable.Range(0, width).Select(IncrementAsync));
        return results.Sum();
    }

    public static async Task<int> DirectSlowFanOutAsync(int width, TimeSpan work)
    {
        var results = await Task.WhenAll(Enumerable.Range(0, width).Select(i => SlowIncrementAsync(i, work)));
        return results.Sum();
    }

    /// <summary>Registers the orchestrations and the activity; the activity reports its start and end to <paramref name="probe"/>.</summary>
    public static DurableRegistry Register(EngineProbe probe, TimeSpan slowWork) => new DurableRegistry()
        .AddOrchestrator<int, int>(Chain, async (context, length) =>
        {
            var x = 0;
            for (var i = 0; i < length; i++)
            {
                x = await context.CallActivityAsync<int>(Increment, x);
            }
            return x;
        })
        .AddOrchestrator<int, int>(FanOut, async (context, width) =>
        {
            var results = await Task.WhenAll(Enumerable.Range(0, width).Select(i => context.CallActivityAsync<int>(Increment, i)));
            return results.Sum();
        })
        .AddOrchestrator<int, int>(FanOutSlow, async (context, width) =>
        {
            var results = await Task.WhenAll(Enumerable.Range(0, width).Select(i => context.CallActivityAsync<int>(SlowIncrement, i)));
            return results.Sum();
        })
        .AddActivity<int, int>(Increment, async (x, context) =>
        {
            probe.ActivityStarted(context.InstanceId, context.TaskId);
            var result = await IncrementAsync(x);
            probe.ActivityEnded(context.InstanceId, context.TaskId);
            return result;
        })
        .AddActivity<int, int>(SlowIncrement, async (x, context) =>
        {
            probe.ActivityStarted(context.InstanceId, context.TaskId);
            var result = await SlowIncrementAsync(x, slowWork);
            probe.ActivityEnded(context.InstanceId, context.TaskId);
            return result;
        });
}
