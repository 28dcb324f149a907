using System.Text.Json;
using ModelOps.Core.Pipelines;
using ModelOps.Core.Storage;
using ModelOps.Durable;

namespace ModelOps.Local.Engine;

/// <summary>Starts and reads pipeline runs on the local durable engine.</summary>
internal sealed class PipelineClient(DurableEngine engine)
{
    public DurableClient Durable => engine.Client;

    /// <summary>Starts a training run with this id; false when a run with this id already exists (it is not started twice).</summary>
    public async Task<bool> StartTrainingAsync(TrainingRunInput input, string runId, CancellationToken cancellationToken)
    {
        try
        {
            await engine.Client.ScheduleNewOrchestrationInstanceAsync(TrainingPipeline.Name, input, runId, cancellationToken);
            return true;
        }
        catch (OrchestrationAlreadyExistsException)
        {
            return false;
        }
    }

    /// <summary>Training runs, newest first, optionally of one model and in some statuses.</summary>
    public async Task<IReadOnlyList<OrchestrationMetadata>> ListRunsAsync(
        ModelName? model, IReadOnlyList<OrchestrationRuntimeStatus>? statuses, int top, CancellationToken cancellationToken)
    {
        var runs = new List<OrchestrationMetadata>();
        var query = new OrchestrationQuery { Name = TrainingPipeline.Name, Statuses = statuses, PageSize = 100 };
        do
        {
            var page = await engine.Client.QueryInstancesAsync(query, cancellationToken);
            foreach (var instance in page.Instances)
            {
                if (model is null || ModelOf(instance) == model)
                {
                    runs.Add(instance);
                    if (runs.Count == top)
                    {
                        return runs;
                    }
                }
            }
            query = query with { ContinuationToken = page.ContinuationToken };
        }
        while (query.ContinuationToken is not null);
        return runs;
    }

    private static ModelName? ModelOf(OrchestrationMetadata instance) =>
        instance.SerializedInput is { } json && JsonSerializer.Deserialize<TrainingRunInput>(json, Json.Options) is { } input
            ? input.Model
            : null;
}
