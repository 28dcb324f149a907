namespace ModelOps.Durable.Bench.Soak;

/// <summary>
/// The soak's orchestration: five sequential steps, then a fan-out of five parts. Every activity journals its side
/// effect before and after its work, keyed by instance id and task id (the engine's idempotency key).
/// </summary>
internal static class SoakPipeline
{
    public const string Name = "pipeline";
    public const string Step = "step";
    public const string Part = "part";
    public const int Steps = 5;
    public const int Parts = 5;
    public const int ActivitiesPerInstance = Steps + Parts;
    public const string InstancePrefix = "soak-";

    public static string InstanceId(int index) => $"{InstancePrefix}{index:D4}";

    public static int Input(int index) => index * 10;

    /// <summary>What a correct run returns: each step adds one, each part doubles its share.</summary>
    public static int ExpectedOutput(int input)
    {
        var x = input + Steps;
        return Enumerable.Range(0, Parts).Sum(i => 2 * (x + i));
    }

    public static DurableRegistry Register(JournalWriter journal, TimeSpan work) => new DurableRegistry()
        .AddOrchestrator<int, int>(Name, async (context, input) =>
        {
            var x = input;
            for (var i = 0; i < Steps; i++)
            {
                x = await context.CallActivityAsync<int>(Step, x);
            }
            var parts = await Task.WhenAll(Enumerable.Range(0, Parts).Select(i => context.CallActivityAsync<int>(Part, x + i)));
            return parts.Sum();
        })
        .AddActivity<int, int>(Step, (x, context) => JournaledAsync(journal, work, context, () => x + 1))
        .AddActivity<int, int>(Part, (x, context) => JournaledAsync(journal, work, context, () => 2 * x));

    private static async Task<int> JournaledAsync(JournalWriter journal, TimeSpan work, ActivityContext context, Func<int> compute)
    {
        journal.Append(context.InstanceId, context.Name, context.TaskId, completed: false);
        // Some work time, jittered, so kills land inside activities as well as inside replays and storage calls.
        await Task.Delay(work * (0.5 + Random.Shared.NextDouble()), context.CancellationToken);
        var result = compute();
        journal.Append(context.InstanceId, context.Name, context.TaskId, completed: true);
        return result;
    }
}
