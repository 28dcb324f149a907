using Microsoft.Extensions.Logging;

namespace ModelOps.Durable.Bench.Soak;

/// <summary>
/// <c>soak-host</c>: the process the soak driver kills. Starts the engine on the given hub (which resumes whatever the
/// previous host left), makes sure every pipeline instance exists, then works until it is killed.
/// </summary>
internal static class SoakHost
{
    public static async Task<int> RunAsync(CommandArgs args, CancellationToken ct)
    {
        var connectionString = args.Required("connection-string");
        var journalPath = args.Required("journal");
        var hub = args.String("hub") ?? SoakOptions.Hub;
        var instances = args.Int("instances", 100);
        var work = TimeSpan.FromMilliseconds(args.Int("work-ms", 50));
        args.EnsureAllRead();
        Console.WriteLine(HostProcess.UpLine);

        var startedAt = System.Diagnostics.Stopwatch.GetTimestamp();
        using var journal = new JournalWriter(journalPath);
        var options = new DurableEngineOptions { StorageConnectionString = connectionString, TaskHub = hub };
        await using var engine = await DurableEngine.StartAsync(options, SoakPipeline.Register(journal, work),
            new StderrLoggerFactory(LogLevel.Warning), ct);
        // Start-up includes recovery: every unfinished instance's history is read before this line.
        Console.WriteLine($"engine started in {System.Diagnostics.Stopwatch.GetElapsedTime(startedAt).TotalMilliseconds:F0} ms");

        var scheduled = await ScheduleMissingAsync(engine.Client, instances, ct);
        Console.WriteLine($"scheduled {scheduled} new instance(s)");
        try
        {
            await Task.Delay(Timeout.Infinite, ct);
        }
        catch (OperationCanceledException)
        {
            await engine.StopAsync(CancellationToken.None);
        }
        return 0;
    }

    /// <summary>Schedules the instances a killed predecessor did not get to; ids are fixed, so this is idempotent.</summary>
    private static async Task<int> ScheduleMissingAsync(DurableClient client, int instances, CancellationToken ct)
    {
        var existing = new HashSet<string>(StringComparer.Ordinal);
        string? token = null;
        do
        {
            var page = await client.QueryInstancesAsync(
                new OrchestrationQuery { InstanceIdPrefix = SoakPipeline.InstancePrefix, PageSize = 1000, ContinuationToken = token }, ct);
            existing.UnionWith(page.Instances.Select(i => i.InstanceId));
            token = page.ContinuationToken;
        }
        while (token is not null);

        var scheduled = 0;
        for (var i = 0; i < instances; i++)
        {
            var id = SoakPipeline.InstanceId(i);
            if (existing.Contains(id))
            {
                continue;
            }
            try
            {
                await client.ScheduleNewOrchestrationInstanceAsync(SoakPipeline.Name, SoakPipeline.Input(i), id, ct);
                scheduled++;
            }
            catch (OrchestrationAlreadyExistsException)
            {
                // Raced with nothing in practice (one host at a time), but harmless.
            }
        }
        return scheduled;
    }
}
