namespace ModelOps.Durable;

/// <summary>
/// What one replay decided. <see cref="NewHistory"/> is everything to append: the new events it consumed, then the actions the code
/// took for the first time, then the completion if the orchestrator finished.
/// </summary>
internal sealed record ReplayResult(
    IReadOnlyList<HistoryEvent> NewHistory,
    IReadOnlyList<HistoryEvent> NewActions,
    OrchestrationRuntimeStatus Status,
    string? Output,
    TaskFailureDetails? Failure,
    string? CustomStatus,
    string? ContinueAsNewInput);
