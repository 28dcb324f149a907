using ModelOps.Core.Storage;

namespace ModelOps.Core.Pipelines;

/// <summary>What a retrain guard starts: the training run and the id it gets.</summary>
public sealed record RetrainInput(TrainingRunInput Run, string RunId);

/// <summary>
/// One retrain per model at a time. The guard has the fixed id <c>retrain-{model}</c> and is started as a singleton, so
/// a second request (an HTTP call, a monitor alarm) is refused while one runs; the training itself is a child
/// orchestration with an id of its own, so every retrain keeps its history after the guard is reused.
/// </summary>
public static class RetrainPipeline
{
    public const string Name = "RetrainPipeline";

    public static string GuardId(ModelName model) => $"retrain-{model}";

    /// <summary>A new, unique id for the training run a retrain starts.</summary>
    public static string NewRunId(ModelName model, DateTimeOffset now) =>
        $"{model}-retrain-{now:yyyyMMddHHmmss}-{Guid.NewGuid().ToString("N")[..6]}";

    public static async Task<TrainingRunResult> RunAsync(IOrchestrationContext context)
    {
        var input = context.GetInput<RetrainInput>();
        context.SetCustomStatus(new { input.RunId });
        return await context.CallSubOrchestratorAsync<TrainingRunResult>(TrainingPipeline.Name, input.Run, input.RunId);
    }
}
