using System.Globalization;

namespace ModelOps.Durable.Bench.Overhead;

/// <summary>Prints the results as Markdown tables, ready to paste into bench/README.md.</summary>
internal static class OverheadReport
{
    // Goals from GitHub issue 3.
    private const double GoalMsPerActivity = 5;
    private const double GoalActivitiesPerSecond = 500;

    public static void Storage(StorageLatencies s, int samples)
    {
        Console.WriteLine($"### Storage alone ({samples} sequential calls each)");
        Console.WriteLine();
        Console.WriteLine("| call | median ms | p90 ms |");
        Console.WriteLine("|---|---:|---:|");
        Console.WriteLine($"| append-blob append (one history batch) | {F(s.AppendMedianMs)} | {F(s.AppendP90Ms)} |");
        Console.WriteLine($"| table replace with ETag (instance row) | {F(s.UpdateMedianMs)} | {F(s.UpdateP90Ms)} |");
        Console.WriteLine($"| table point read | {F(s.ReadMedianMs)} | |");
        Console.WriteLine();
    }

    public static void Chain(IReadOnlyList<ChainSample> runs, int length)
    {
        var perActivity = runs.Select(r => r.TotalMs / length).ToList();
        var steps = runs.SelectMany(r => r.StepMs).ToList();
        var direct = Stats.Median(runs.Select(r => r.DirectPerActivityMs));
        var engine = Stats.Median(perActivity);
        Console.WriteLine($"### Sequential chain of {length} activities ({runs.Count} runs)");
        Console.WriteLine();
        Console.WriteLine("| measure | median | p90 |");
        Console.WriteLine("|---|---:|---:|");
        Console.WriteLine($"| engine, ms per activity (run total / {length}) | {F(engine)} | {F(Stats.Percentile(perActivity, 0.9))} |");
        Console.WriteLine($"| engine, ms per step (activity start to next start) | {F(Stats.Median(steps))} | {F(Stats.Percentile(steps, 0.9))} |");
        Console.WriteLine($"| direct in-process, ms per activity | {F(direct, 5)} | |");
        Console.WriteLine($"| ratio engine / direct | {Ratio(engine, direct)} | |");
        Console.WriteLine($"| goal: under {GoalMsPerActivity} ms per activity | {(Stats.Median(steps) < GoalMsPerActivity ? "met" : "not met")} | |");
        Console.WriteLine();
        Console.WriteLine("Where a step's time goes (medians over all steps of all runs):");
        Console.WriteLine();
        Console.WriteLine("| phase | median ms | p90 ms |");
        Console.WriteLine("|---|---:|---:|");
        Row("activity body", runs.SelectMany(r => r.BodyMs));
        Row("deliver + replay (body end to 'Replayed' log)", runs.SelectMany(r => r.ReplayMs));
        Row("  - at the first step", runs.Select(r => r.ReplayMs[0]));
        Row("  - at the last step", runs.Select(r => r.ReplayMs[^1]));
        Row("persist + dispatch ('Replayed' log to next body start)", runs.SelectMany(r => r.PersistDispatchMs));
        Row("schedule to first activity body", runs.Select(r => r.StartToFirstActivityMs));
        Row("last activity body to completion seen by client", runs.Select(r => r.LastActivityToCompletedMs));
        Console.WriteLine();
        StorageCalls(runs.Select(r => r.StorageCalls).ToList(), length, "activity");
    }

    public static void FanOut(IReadOnlyList<FanOutSample> runs, int width, int workMs, int maxConcurrentActivities)
    {
        var engineMs = Stats.Median(runs.Select(r => r.TotalMs));
        var directMs = Stats.Median(runs.Select(r => r.DirectMs));
        var throughput = Stats.Median(runs.Select(r => width / (r.TotalMs / 1000)));
        var work = workMs == 0 ? "trivial activities" : $"each activity waits {workMs} ms (Task.Delay)";
        Console.WriteLine($"### Fan-out of {width} activities with Task.WhenAll, {work} ({runs.Count} runs)");
        Console.WriteLine();
        if (workMs > 0)
        {
            Console.WriteLine($"The engine runs at most {maxConcurrentActivities} activities at once, the direct side all {width}: " +
                $"the engine's floor here is {width} x {workMs} ms / {maxConcurrentActivities} = {width * workMs / (double)maxConcurrentActivities:F0} ms " +
                "(more in practice: Task.Delay(1) waits ~1-2 ms on Linux).");
            Console.WriteLine();
        }
        Console.WriteLine("| measure | median |");
        Console.WriteLine("|---|---:|");
        Console.WriteLine($"| engine, wall ms (schedule to completion seen) | {F(engineMs)} |");
        Console.WriteLine($"| engine, activities/s | {F(throughput, 0)} |");
        Console.WriteLine($"| direct in-process, wall ms | {F(directMs, 3)} |");
        Console.WriteLine($"| direct in-process, activities/s | {F(width / (directMs / 1000), 0)} |");
        Console.WriteLine($"| ratio engine / direct (time) | {Ratio(engineMs, directMs)} |");
        Console.WriteLine($"| goal: at least {GoalActivitiesPerSecond} activities/s | {(throughput >= GoalActivitiesPerSecond ? "met" : "not met")} |");
        Console.WriteLine($"| schedule: start to first activity body, ms | {F(Stats.Median(runs.Select(r => r.ScheduleMs)))} |");
        Console.WriteLine($"| execute: first body start to last body end, ms | {F(Stats.Median(runs.Select(r => r.ExecuteMs)))} |");
        Console.WriteLine($"| drain: last body end to completion seen, ms | {F(Stats.Median(runs.Select(r => r.DrainMs)))} |");
        Console.WriteLine($"| replays of the instance | {F(Stats.Median(runs.Select(r => (double)r.Replays)), 0)} |");
        Console.WriteLine($"| largest history replayed (events) | {F(Stats.Median(runs.Select(r => (double)r.LargestReplayedHistory)), 0)} |");
        Console.WriteLine();
        StorageCalls(runs.Select(r => r.StorageCalls).ToList(), width, "activity");
    }

    private static void StorageCalls(IReadOnlyList<IReadOnlyList<StorageCall>> runs, int activities, string unit)
    {
        Console.WriteLine("Storage requests made during the engine runs (HttpClient activities; medians over runs):");
        Console.WriteLine();
        Console.WriteLine($"| request | count per run | per {unit} | median ms each | total ms per {unit} |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        foreach (var kind in Enum.GetValues<StorageCallKind>())
        {
            var counts = runs.Select(r => (double)r.Count(c => c.Kind == kind)).ToList();
            if (counts.All(c => c == 0))
            {
                continue;
            }
            var each = runs.SelectMany(r => r.Where(c => c.Kind == kind).Select(c => c.Ms));
            var totals = runs.Select(r => r.Where(c => c.Kind == kind).Sum(c => c.Ms) / activities);
            Console.WriteLine($"| {kind} | {F(Stats.Median(counts), 0)} | {F(Stats.Median(counts) / activities, 2)} | {F(Stats.Median(each))} | {F(Stats.Median(totals))} |");
        }
        var all = runs.Select(r => r.Sum(c => c.Ms) / activities);
        Console.WriteLine($"| all storage | | | | {F(Stats.Median(all))} |");
        Console.WriteLine();
    }

    private static void Row(string label, IEnumerable<double> samples)
    {
        var list = samples.ToList();
        Console.WriteLine($"| {label} | {F(Stats.Median(list))} | {F(Stats.Percentile(list, 0.9))} |");
    }

    private static string Ratio(double engine, double direct) =>
        direct <= 0 ? "n/a" : $"{(engine / direct).ToString("N0", CultureInfo.InvariantCulture)}x";

    private static string F(double value, int decimals = 2) => value.ToString("F" + decimals, CultureInfo.InvariantCulture);
}
