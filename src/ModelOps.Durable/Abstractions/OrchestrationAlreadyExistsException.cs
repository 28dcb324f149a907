namespace ModelOps.Durable;

/// <summary>Thrown when an instance id is scheduled again: an instance id starts at most one orchestration, ever (until purged).</summary>
public sealed class OrchestrationAlreadyExistsException(string instanceId)
    : InvalidOperationException($"An orchestration instance with id '{instanceId}' already exists.")
{
    public string InstanceId { get; } = instanceId;
}
