namespace ModelOps.Durable;

/// <summary>How to start an orchestration: its instance id, its version, and what to do when the id is already taken.</summary>
public sealed record StartOrchestrationOptions
{
    /// <summary>Completed, Failed and Terminated: every ended status.</summary>
    public static IReadOnlyList<OrchestrationRuntimeStatus> EndedStatuses { get; } =
        [OrchestrationRuntimeStatus.Completed, OrchestrationRuntimeStatus.Failed, OrchestrationRuntimeStatus.Terminated];

    /// <summary>The instance id; a new GUID when null.</summary>
    public string? InstanceId { get; init; }

    /// <summary>The orchestrator version to run; the newest registered one when null.</summary>
    public string? Version { get; init; }

    /// <summary>
    /// Ended statuses that keep the id taken, as in Durable: an existing instance in one of them makes the start throw
    /// <see cref="OrchestrationAlreadyExistsException"/>; one that ended in any other status is replaced by a fresh execution (its
    /// history and waiting events are deleted). A Pending or Running instance always makes the start throw.
    /// Defaults to <see cref="EndedStatuses"/>: an id starts at most one orchestration, ever (until purged).
    /// </summary>
    public IReadOnlyCollection<OrchestrationRuntimeStatus> DedupeStatuses { get; init; } = EndedStatuses;

    /// <summary>A singleton start: runs unless an instance with <paramref name="instanceId"/> is Pending or Running; an ended one is replaced.</summary>
    public static StartOrchestrationOptions Singleton(string instanceId) => new() { InstanceId = instanceId, DedupeStatuses = [] };
}
