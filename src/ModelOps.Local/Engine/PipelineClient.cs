using System.Text.Json;
using ModelOps.Core.Monitoring;
using ModelOps.Core.Pipelines;
using ModelOps.Core.Storage;
using ModelOps.Durable;

namespace ModelOps.Local.Engine;

/// <summary>Starts and reads pipeline runs on the local durable engine.</summary>
internal sealed class PipelineClient(DurableEngine engine, TimeProvider time) : IRetrainStarter
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

    /// <summary>
    /// Starts a retrain of the model unless one is running: returns the new run's id, or null with the id of the run
    /// in progress.
    /// </summary>
    public async Task<(string? Started, string? Running)> StartRetrainAsync(
        ModelName model, string trigger, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var runId = RetrainPipeline.NewRunId(model, now);
        try
        {
            await engine.Client.ScheduleNewOrchestrationInstanceAsync(RetrainPipeline.Name,
                new RetrainInput(new TrainingRunInput(model, trigger), runId),
                StartOrchestrationOptions.Singleton(RetrainPipeline.GuardId(model)), cancellationToken);
            return (runId, null);
        }
        catch (OrchestrationAlreadyExistsException)
        {
            var guard = await engine.Client.GetInstanceAsync(RetrainPipeline.GuardId(model), cancellationToken);
            return (null, guard?.ReadInputAs<RetrainInput>(Json.Options)?.RunId);
        }
    }

    async Task<string?> IRetrainStarter.StartRetrainAsync(ModelName model, string trigger, CancellationToken cancellationToken) =>
        (await StartRetrainAsync(model, trigger, time.GetUtcNow(), cancellationToken)).Started;

    public async Task<bool> IsRetrainRunningAsync(ModelName model, CancellationToken cancellationToken) =>
        await engine.Client.GetInstanceAsync(RetrainPipeline.GuardId(model), cancellationToken) is { IsRunning: true };

    /// <summary>
    /// A run's status. A retrain's training run exists once its guard has started it; until then it is reported Pending,
    /// so the status URL handed out on start answers at once.
    /// </summary>
    public async Task<OrchestrationMetadata?> GetRunAsync(string runId, CancellationToken cancellationToken)
    {
        if (await engine.Client.GetInstanceAsync(runId, cancellationToken) is { } run)
        {
            return run;
        }
        var marker = runId.IndexOf("-retrain-", StringComparison.Ordinal);
        if (marker <= 0 || !ModelName.TryParse(runId[..marker], out var model, out _)
            || await engine.Client.GetInstanceAsync(RetrainPipeline.GuardId(model), cancellationToken) is not { } guard
            || guard.ReadInputAs<RetrainInput>(Json.Options) is not { } input || input.RunId != runId)
        {
            return null;
        }
        return guard with
        {
            InstanceId = runId,
            Name = TrainingPipeline.Name,
            RuntimeStatus = guard.RuntimeStatus == OrchestrationRuntimeStatus.Running ? OrchestrationRuntimeStatus.Pending : guard.RuntimeStatus,
            SerializedInput = JsonSerializer.Serialize(input.Run, Json.Options),
            SerializedOutput = null,
            SerializedCustomStatus = null,
        };
    }

    /// <summary>
    /// One page of training runs, newest first, optionally of one model, in some statuses and created in a time range.
    /// A page may hold fewer than <paramref name="top"/> runs; the continuation token (null on the last page) asks for the next.
    /// </summary>
    public async Task<(IReadOnlyList<OrchestrationMetadata> Runs, string? ContinuationToken)> ListRunsAsync(
        ModelName? model, IReadOnlyCollection<OrchestrationRuntimeStatus>? statuses, DateTimeOffset? createdFrom,
        DateTimeOffset? createdTo, int top, string? continuationToken, CancellationToken cancellationToken)
    {
        // Run ids start with the model name; the input names the model exactly (churn-eu's runs also start with "churn-").
        var page = await engine.Client.QueryInstancesAsync(new OrchestrationQuery
        {
            Name = TrainingPipeline.Name,
            Statuses = statuses,
            CreatedFrom = createdFrom,
            CreatedTo = createdTo,
            InstanceIdPrefix = model is { } m ? m + "-" : null,
            PageSize = top,
            ContinuationToken = continuationToken,
        }, cancellationToken);
        var runs = page.Instances.Where(i => model is null || ModelOf(i) == model).ToList();
        return (runs, page.ContinuationToken);
    }

    private static ModelName? ModelOf(OrchestrationMetadata instance) =>
        instance.SerializedInput is { } json && JsonSerializer.Deserialize<TrainingRunInput>(json, Json.Options) is { } input
            ? input.Model
            : null;
}
