namespace ModelOps.Durable;

/// <summary>
/// One row of the instances table, payloads already resolved from any spill blobs. <see cref="Revision"/> counts the engine's writes:
/// after a write whose answer was lost, it tells whether the row already holds that write.
/// </summary>
internal sealed record InstanceRecord(
    string InstanceId,
    string Name,
    OrchestrationRuntimeStatus Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset LastUpdatedAt,
    string ExecutionId,
    string? Input,
    string? Output = null,
    string? CustomStatus = null,
    TaskFailureDetails? Failure = null,
    string? ParentInstanceId = null,
    int ParentTaskId = -1,
    string Version = "",
    string? Note = null,
    long Revision = 0)
{
    public OrchestrationMetadata ToMetadata() =>
        new(InstanceId, Name, Status, CreatedAt, LastUpdatedAt, Input, Output, CustomStatus, Failure) { Version = Version, Note = Note };
}
