using ModelOps.Core.Pipelines.Activities;
using ModelOps.Core.Storage;

namespace ModelOps.Core.Pipelines;

/// <summary>A blob of rows to score with a model's production version.</summary>
/// <param name="Blob">Container and path, e.g. <c>scoring/2026-11/customers.csv</c>.</param>
public sealed record ScoreBlobInput(ModelName Model, string Blob);

/// <summary>Where the predictions went, how many rows, and which version made them.</summary>
public sealed record ScoreBlobResult(ModelName Model, int Version, string Input, string Output, int Rows);

/// <summary>Bulk scoring of a blob as a durable run: the predictions are written next to the input.</summary>
public static class ScoreBlobPipeline
{
    public const string Name = "ScoreBlobPipeline";

    private static readonly RetryPolicy Storage = new(3, TimeSpan.FromSeconds(1), BackoffCoefficient: 2);

    public static async Task<ScoreBlobResult> RunAsync(IOrchestrationContext context)
    {
        var input = context.GetInput<ScoreBlobInput>();
        context.SetCustomStatus(new RunProgress("score", 1, 1, $"scoring {input.Blob} with the production version of '{input.Model}'"));
        return await context.CallActivityAsync<ScoreBlobResult>(ScoreBlobActivity.Name, input, Storage);
    }

    /// <summary>A new, unique id for a bulk scoring run.</summary>
    public static string NewRunId(ModelName model, DateTimeOffset now) =>
        $"{model}-score-{now:yyyyMMddHHmmss}-{Guid.NewGuid().ToString("N")[..6]}";
}
