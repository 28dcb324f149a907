using Microsoft.Extensions.Logging;

namespace ModelOps.Durable;

internal static partial class Logs
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Durable engine started on task hub '{TaskHub}'; {Count} unfinished instance(s) resumed")]
    public static partial void EngineStarted(this ILogger logger, string taskHub, int count);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Durable engine on task hub '{TaskHub}' stopped")]
    public static partial void EngineStopped(this ILogger logger, string taskHub);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Scheduled orchestration '{Name}' as instance '{InstanceId}'")]
    public static partial void InstanceScheduled(this ILogger logger, string name, string instanceId);

    [LoggerMessage(EventId = 4, Level = LogLevel.Debug, Message = "Replayed '{InstanceId}' over {PastEvents} past and {NewEvents} new event(s): {Actions} new action(s), status {Status}")]
    public static partial void Replayed(this ILogger logger, string instanceId, int pastEvents, int newEvents, int actions, OrchestrationRuntimeStatus status);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "Orchestration '{Name}' instance '{InstanceId}' ended {Status}")]
    public static partial void InstanceEnded(this ILogger logger, string name, string instanceId, OrchestrationRuntimeStatus status);

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "Orchestration '{Name}' instance '{InstanceId}' failed: {Failure}")]
    public static partial void InstanceFailed(this ILogger logger, string name, string instanceId, TaskFailureDetails failure);

    [LoggerMessage(EventId = 7, Level = LogLevel.Warning, Message = "Activity '{Activity}' (#{TaskId}) of '{InstanceId}' failed: {Message}")]
    public static partial void ActivityFailed(this ILogger logger, string activity, int taskId, string instanceId, string message);

    [LoggerMessage(EventId = 8, Level = LogLevel.Information, Message = "Resumed '{InstanceId}' from {Events} history event(s): {Activities} activity(ies) re-dispatched, {Timers} timer(s) re-armed")]
    public static partial void Recovered(this ILogger logger, string instanceId, int events, int activities, int timers);

    [LoggerMessage(EventId = 9, Level = LogLevel.Debug, Message = "Dropped {EventType} for '{InstanceId}': the instance is not running here")]
    public static partial void EventDropped(this ILogger logger, HistoryEventType eventType, string instanceId);

    [LoggerMessage(EventId = 10, Level = LogLevel.Error, Message = "Processing '{InstanceId}' failed; the batch will be retried")]
    public static partial void EpisodeFailed(this ILogger logger, Exception exception, string instanceId);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "Instance '{InstanceId}' was changed by another writer; this engine stops driving it")]
    public static partial void InstanceLost(this ILogger logger, string instanceId);

    [LoggerMessage(EventId = 12, Level = LogLevel.Warning, Message = "Instance '{InstanceId}' is left as it is: {Reason}")]
    public static partial void InstanceParked(this ILogger logger, string instanceId, string reason);

    [LoggerMessage(EventId = 13, Level = LogLevel.Warning, Message = "Storage is unreachable ({What}); retrying with back-off")]
    public static partial void StorageUnreachable(this ILogger logger, Exception exception, string what);

    [LoggerMessage(EventId = 14, Level = LogLevel.Information, Message = "Storage is reachable again")]
    public static partial void StorageReachable(this ILogger logger);

    [LoggerMessage(EventId = 15, Level = LogLevel.Information, Message = "Instance '{InstanceId}' ended {Status} and was replaced by a fresh execution")]
    public static partial void InstanceReplaced(this ILogger logger, string instanceId, OrchestrationRuntimeStatus status);

    [LoggerMessage(EventId = 16, Level = LogLevel.Warning, Message = "Graceful stop: {Count} activity(ies) still running after the timeout; the next engine runs them again")]
    public static partial void ActivitiesAbandoned(this ILogger logger, int count);
}
