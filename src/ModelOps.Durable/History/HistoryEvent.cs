using System.Text.Json.Serialization;

namespace ModelOps.Durable;

[JsonConverter(typeof(JsonStringEnumConverter<HistoryEventType>))]
internal enum HistoryEventType
{
    OrchestratorStarted,
    ExecutionStarted,
    ExecutionCompleted,
    ExecutionFailed,
    ExecutionTerminated,
    ContinuedAsNew,
    TaskScheduled,
    TaskCompleted,
    TaskFailed,
    TimerCreated,
    TimerFired,
    SubOrchestrationCreated,
    SubOrchestrationCompleted,
    SubOrchestrationFailed,
    EventRaised,
}

/// <summary>
/// One line of an execution's history. <see cref="TaskId"/> links an action (TaskScheduled, TimerCreated, SubOrchestrationCreated)
/// to its outcome; <see cref="Name"/> is the activity, orchestrator or event name; <see cref="Payload"/> is JSON.
/// <see cref="EventId"/> names an event that came through the durable inbox (raised events, terminate requests): it makes delivery exactly once.
/// </summary>
internal sealed record HistoryEvent(
    HistoryEventType Type,
    DateTime Timestamp,
    int TaskId = -1,
    string? Name = null,
    string? Payload = null,
    TaskFailureDetails? Failure = null,
    DateTime? FireAt = null,
    string? InstanceId = null,
    string? EventId = null);
