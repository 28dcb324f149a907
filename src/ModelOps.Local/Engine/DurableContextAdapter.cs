using ModelOps.Core.Pipelines;
using ModelOps.Durable;
using CoreRetryPolicy = ModelOps.Core.Pipelines.RetryPolicy;
using DurableRetryPolicy = ModelOps.Durable.RetryPolicy;

namespace ModelOps.Local.Engine;

/// <summary>Lets Core's pipelines run on the local durable engine (Azure has its own ten-line twin).</summary>
internal sealed class DurableContextAdapter(OrchestrationContext context) : IOrchestrationContext
{
    public string InstanceId => context.InstanceId;

    public DateTime CurrentUtcDateTime => context.CurrentUtcDateTime;

    public bool IsReplaying => context.IsReplaying;

    public T GetInput<T>() => context.GetInput<T>()!;

    public async Task<TResult> CallActivityAsync<TResult>(string name, object? input = null, CoreRetryPolicy? retry = null)
    {
        try
        {
            return await context.CallActivityAsync<TResult>(name, input, retry is null ? null : new DurableRetryPolicy(
                retry.MaxNumberOfAttempts, retry.FirstRetryInterval, retry.BackoffCoefficient, retry.MaxRetryInterval));
        }
        catch (TaskFailedException e)
        {
            // Surface the activity's own words: they are what the user needs to read.
            var failure = e.FailureDetails;
            throw new ActivityFailedException(name, failure.ErrorType, failure.ErrorMessage);
        }
    }

    public async Task<TResult> CallSubOrchestratorAsync<TResult>(string name, object? input = null, string? instanceId = null)
    {
        try
        {
            return await context.CallSubOrchestratorAsync<TResult>(name, input, instanceId);
        }
        catch (TaskFailedException e)
        {
            // The child's own reason, not the wrapper's, is what the user needs.
            var failure = e.FailureDetails.InnerFailure ?? e.FailureDetails;
            throw new ActivityFailedException(name, failure.ErrorType, failure.ErrorMessage);
        }
    }

    public Task CreateTimer(DateTime fireAt, CancellationToken cancellationToken) => context.CreateTimer(fireAt, cancellationToken);

    public Task<T> WaitForExternalEvent<T>(string eventName, CancellationToken cancellationToken = default) =>
        context.WaitForExternalEvent<T>(eventName, cancellationToken);

    public void SetCustomStatus(object? customStatus) => context.SetCustomStatus(customStatus);

    public Guid NewGuid() => context.NewGuid();
}
