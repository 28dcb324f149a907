namespace ModelOps.Durable.Bench.Soak;

/// <summary>
/// The hub's persisted completions right after a kill, and how long the journal was at that moment: any journal line past
/// <see cref="JournalLength"/> was written by a later host.
/// </summary>
internal sealed record KillSnapshot(long JournalLength, IReadOnlySet<(string InstanceId, int TaskId)> PersistedCompletions);

/// <summary>What the soak found. Violations are broken guarantees; duplicates of in-flight work are allowed (at least once).</summary>
internal sealed record SoakVerdict(
    int InstancesCompleted,
    int InstancesWithExpectedOutput,
    int ActivitiesScheduled,
    int ExecutionsStarted,
    int ExecutionsCompleted,
    int Duplicates,
    int RedoneAfterSideEffectCompleted,
    int PersistedBeforeAKill,
    int TornLines,
    IReadOnlyList<string> Violations);

/// <summary>Checks the journal against the histories: every instance done, every activity observed, none redone once persisted.</summary>
internal static class SoakVerifier
{
    public static SoakVerdict Verify(int instances, IReadOnlyDictionary<string, InstanceState> final, IReadOnlyList<JournalEntry> journal,
        int tornLines, IReadOnlyList<KillSnapshot> kills)
    {
        var violations = new List<string>();

        var completed = 0;
        var correct = 0;
        for (var i = 0; i < instances; i++)
        {
            var id = SoakPipeline.InstanceId(i);
            if (!final.TryGetValue(id, out var state) || state.Status != nameof(OrchestrationRuntimeStatus.Completed))
            {
                violations.Add($"{id} is {(state is null ? "missing" : state.Status)}, not Completed.");
                continue;
            }
            completed++;
            if (state.Output == SoakPipeline.ExpectedOutput(SoakPipeline.Input(i)).ToString(System.Globalization.CultureInfo.InvariantCulture))
            {
                correct++;
            }
            else
            {
                violations.Add($"{id} returned {state.Output}, expected {SoakPipeline.ExpectedOutput(SoakPipeline.Input(i))}.");
            }
        }

        // Every activity history scheduled must have left a completed side effect at least once, under its own name.
        var scheduled = final.Values
            .SelectMany(s => s.History.Where(h => h.Type == "TaskScheduled").Select(h => (Key: (s.InstanceId, h.TaskId), h.Name)))
            .ToDictionary(x => x.Key, x => x.Name);
        var completedKeys = journal.Where(e => e.Completed).Select(e => e.Key).ToHashSet();
        foreach (var (key, name) in scheduled)
        {
            if (!completedKeys.Contains(key))
            {
                violations.Add($"{key.InstanceId} activity {name} #{key.TaskId}: scheduled in history but its side effect was never completed.");
            }
        }
        foreach (var entry in journal.Where(e => !scheduled.TryGetValue(e.Key, out var name) || name != e.Activity).DistinctBy(e => e.Key))
        {
            violations.Add($"{entry.InstanceId} activity {entry.Activity} #{entry.TaskId}: executed but never scheduled under that name.");
        }

        // Exactly once for what was persisted: a start written after a kill snapshot that already held the completion is a redo
        // of finished work. Two starts between the same two kills are a redo within one host's life, also never allowed.
        var starts = journal.Where(e => !e.Completed).ToList();
        foreach (var start in starts)
        {
            var segment = SegmentOf(start.Offset, kills);
            if (segment > 0 && kills[segment - 1].PersistedCompletions.Contains(start.Key))
            {
                violations.Add($"{start.InstanceId} activity {start.Activity} #{start.TaskId}: re-executed (journal offset {start.Offset}) " +
                    $"after its completion was persisted (seen in history at kill {segment}).");
            }
        }
        foreach (var group in starts.GroupBy(s => (s.Key, SegmentOf(s.Offset, kills))).Where(g => g.Count() > 1))
        {
            violations.Add($"{group.Key.Key.InstanceId} #{group.Key.Key.TaskId}: started {group.Count()} times within host run {group.Key.Item2 + 1}.");
        }

        var distinct = starts.Select(s => s.Key).Distinct().Count();
        // Of the duplicates, those whose earlier execution had finished its side effect (the result was lost before it was
        // persisted), as opposed to executions cut off mid-work.
        var redoneAfterCompleted = journal.GroupBy(e => e.Key)
            .Sum(g => g.OrderBy(e => e.Offset).SkipWhile(e => !e.Completed).Count(e => !e.Completed));
        return new SoakVerdict(completed, correct, scheduled.Count, starts.Count, journal.Count(e => e.Completed), starts.Count - distinct,
            redoneAfterCompleted,
            kills.Count == 0 ? 0 : kills[^1].PersistedCompletions.Count, tornLines, violations);
    }

    /// <summary>Which host run wrote the line at <paramref name="offset"/>: the number of kills whose snapshot ends at or before it.</summary>
    private static int SegmentOf(long offset, IReadOnlyList<KillSnapshot> kills)
    {
        var segment = 0;
        while (segment < kills.Count && kills[segment].JournalLength <= offset)
        {
            segment++;
        }
        return segment;
    }
}
