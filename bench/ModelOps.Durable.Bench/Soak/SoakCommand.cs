using System.Diagnostics;
using ModelOps.Local.Storage;

namespace ModelOps.Durable.Bench.Soak;

/// <summary>
/// <c>soak</c>: starts Azurite once, then runs soak hosts one after another, SIGKILLing each after a seeded random delay,
/// until every pipeline instance is Completed (or the time limit passes); then checks the journal against the histories.
/// The seed fixes the kill delays, not the machine's timing, so two runs with one seed are alike but not identical.
/// </summary>
internal static class SoakCommand
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(500);

    public static async Task<int> RunAsync(CommandArgs args, CancellationToken ct)
    {
        var options = SoakOptions.From(args);
        args.EnsureAllRead();
        var folder = Path.Combine(Path.GetTempPath(), $"modelops-soak-{options.Seed}-{Guid.NewGuid().ToString("N")[..6]}");
        Directory.CreateDirectory(folder);
        var journalPath = Path.Combine(folder, "journal.log");
        Console.WriteLine($"soak: {options.Instances} instances, up to {options.Kills} kills, seed {options.Seed}, " +
            $"kill delay {options.MinDelayMs}-{options.MaxDelayMs} ms, activity work ~{options.WorkMs} ms; files in {folder}");

        var clock = Stopwatch.StartNew();
        var random = new Random(options.Seed);
        var kills = new List<KillSnapshot>();
        int killed = 0, crashes = 0, runs = 0;
        bool allDone, passed;
        await using (var azurite = await Azurite.StartAsync(Path.Combine(folder, "azurite"), cancellationToken: ct))
        {
            var connectionString = azurite.ConnectionString();
            var hub = new HubSnapshot(connectionString, SoakOptions.Hub);
            string[] hostArgs =
            [
                "--connection-string", connectionString, "--journal", journalPath, "--hub", SoakOptions.Hub,
                "--instances", options.Instances.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--work-ms", options.WorkMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ];
            while (true)
            {
                allDone = await AllCompletedAsync(hub, options.Instances, ct);
                if (allDone || clock.Elapsed > options.TimeLimit)
                {
                    break;
                }
                runs++;
                using var host = HostProcess.Start(hostArgs, Path.Combine(folder, $"host-{runs:D3}.log"));
                if (killed < options.Kills)
                {
                    var delay = TimeSpan.FromMilliseconds(random.Next(options.MinDelayMs, options.MaxDelayMs + 1));
                    await host.WaitUntilUpAsync(TimeSpan.FromSeconds(30), ct);
                    if (await host.ExitedWithinAsync(delay, ct))
                    {
                        crashes++;
                        Console.WriteLine($"  run {runs}: host exited by itself with code {host.ExitCode} (see host-{runs:D3}.log)");
                    }
                    else
                    {
                        await host.KillAsync();
                        killed++;
                    }
                    var previous = kills.Count == 0 ? 0 : kills[^1].JournalLength;
                    kills.Add(await SnapshotAsync(hub, journalPath, ct));
                    var written = JournalReader.Read(journalPath).Entries.Where(e => e.Offset >= previous).ToList();
                    Console.WriteLine($"  run {runs}: killed {delay.TotalMilliseconds:F0} ms after start-up; this run started " +
                        $"{written.Count(e => !e.Completed)} and completed {written.Count(e => e.Completed)} activities; " +
                        $"{kills[^1].PersistedCompletions.Count}/{options.Instances * SoakPipeline.ActivitiesPerInstance} completions now persisted");
                    continue;
                }
                // Kills used up: let this host finish the work.
                while (!await AllCompletedAsync(hub, options.Instances, ct) && clock.Elapsed <= options.TimeLimit)
                {
                    if (await host.ExitedWithinAsync(Poll, ct))
                    {
                        crashes++;
                        Console.WriteLine($"  run {runs}: host exited by itself with code {host.ExitCode} (see host-{runs:D3}.log)");
                        kills.Add(await SnapshotAsync(hub, journalPath, ct));
                        break;
                    }
                }
                await host.KillAsync();
            }

            var final = await hub.ReadAsync(ct);
            var (journal, torn) = JournalReader.Read(journalPath);
            var verdict = SoakVerifier.Verify(options.Instances, final, journal, torn, kills);
            Print(verdict, options, killed, crashes, runs, clock.Elapsed, allDone);
            passed = verdict.Violations.Count == 0 && allDone;
        }
        if (passed && crashes == 0 && !options.Keep)
        {
            TryDelete(folder);
        }
        else
        {
            Console.WriteLine($"kept {folder} (journal.log, host-*.log, azurite/)");
        }
        return passed ? 0 : 1;
    }

    private static async Task<bool> AllCompletedAsync(HubSnapshot hub, int instances, CancellationToken ct)
    {
        var rows = await hub.StatusesAsync(ct);
        return rows.Count(r => r.InstanceId.StartsWith(SoakPipeline.InstancePrefix, StringComparison.Ordinal)
            && r.Status == nameof(OrchestrationRuntimeStatus.Completed)) >= instances;
    }

    /// <summary>Taken with no host running, so neither the history nor the journal can move under it.</summary>
    private static async Task<KillSnapshot> SnapshotAsync(HubSnapshot hub, string journalPath, CancellationToken ct)
    {
        var length = File.Exists(journalPath) ? new FileInfo(journalPath).Length : 0;
        var states = await hub.ReadAsync(ct);
        var persisted = states.Values.SelectMany(s => s.CompletedTaskIds.Select(t => (s.InstanceId, t))).ToHashSet();
        return new KillSnapshot(length, persisted);
    }

    private static void Print(SoakVerdict v, SoakOptions options, int killed, int crashes, int runs, TimeSpan elapsed, bool allDone)
    {
        Console.WriteLine();
        Console.WriteLine($"kills survived:              {killed} (host runs {runs}, unexpected host exits {crashes})");
        Console.WriteLine($"instances completed:         {v.InstancesCompleted}/{options.Instances} (correct output {v.InstancesWithExpectedOutput})" +
            (allDone ? "" : $" — time limit {options.TimeLimit.TotalSeconds:F0} s reached"));
        Console.WriteLine($"activities scheduled:        {v.ActivitiesScheduled}");
        Console.WriteLine($"activity executions:         {v.ExecutionsStarted} started, {v.ExecutionsCompleted} completed");
        Console.WriteLine($"duplicates (in-flight redo): {v.Duplicates} ({v.RedoneAfterSideEffectCompleted} of them redo an execution " +
            "whose side effect had completed but whose result was not yet in history)");
        Console.WriteLine($"completions persisted before the last kill: {v.PersistedBeforeAKill}; re-executed after persisting: " +
            $"{v.Violations.Count(x => x.Contains("after its completion was persisted", StringComparison.Ordinal))}");
        Console.WriteLine($"torn journal lines:          {v.TornLines}");
        Console.WriteLine($"elapsed:                     {elapsed.TotalSeconds:F0} s");
        foreach (var violation in v.Violations.Take(50))
        {
            Console.WriteLine($"VIOLATION: {violation}");
        }
        if (v.Violations.Count > 50)
        {
            Console.WriteLine($"... and {v.Violations.Count - 50} more violation(s)");
        }
        Console.WriteLine(v.Violations.Count == 0 && allDone ? "soak: PASS" : "soak: FAIL");
    }

    private static void TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }
}
