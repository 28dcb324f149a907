using System.Text.Json;

namespace ModelOps.Durable;

/// <summary>
/// Replays an orchestrator over its history, DTFx style: the code runs from the start on a pumped single-threaded context,
/// persisted events are applied in order (IsReplaying true), then the new batch (IsReplaying false). Pure: no I/O.
/// </summary>
internal static class OrchestrationExecutor
{
    public static ReplayResult Execute(
        string instanceId,
        string name,
        OrchestratorInvoker? orchestrator,
        IReadOnlyList<HistoryEvent> past,
        IReadOnlyList<HistoryEvent> newEvents,
        JsonSerializerOptions json)
    {
        var input = past.Concat(newEvents).FirstOrDefault(e => e.Type == HistoryEventType.ExecutionStarted)?.Payload;
        var context = new ReplayContext(instanceId, name, input, json);
        var sync = new ReplaySynchronizationContext();
        var previous = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(sync);
        Task<string?>? running = null;
        ReplayResult? finished = null;
        var consumed = new List<HistoryEvent>(newEvents.Count);
        try
        {
            foreach (var (e, isNew) in past.Select(e => (e, false)).Concat(newEvents.Select(e => (e, true))))
            {
                context.Replaying = !isNew;
                if (isNew)
                {
                    consumed.Add(e);
                }
                finished = Apply(e);
                if (finished is not null)
                {
                    break;
                }
            }
        }
        catch (NonDeterministicOrchestrationException ex)
        {
            finished = Finish(OrchestrationRuntimeStatus.Failed, null, TaskFailureDetails.FromException(ex));
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
        }

        if (finished is not null)
        {
            return finished;
        }
        var actions = context.UnmatchedActions.ToList();
        return new ReplayResult([.. consumed, .. actions], actions,
            running is null ? OrchestrationRuntimeStatus.Pending : OrchestrationRuntimeStatus.Running,
            null, null, context.CustomStatus, null);

        ReplayResult? Apply(HistoryEvent e)
        {
            switch (e.Type)
            {
                case HistoryEventType.OrchestratorStarted:
                    context.CurrentTime = e.Timestamp;
                    return null;
                case HistoryEventType.ExecutionStarted:
                    if (orchestrator is null)
                    {
                        return Finish(OrchestrationRuntimeStatus.Failed, null, new TaskFailureDetails(
                            typeof(InvalidOperationException).FullName!, $"No orchestrator named '{name}' is registered.", null, null));
                    }
                    running = Start(orchestrator, context, json);
                    break;
                case HistoryEventType.TaskScheduled or HistoryEventType.TimerCreated or HistoryEventType.SubOrchestrationCreated:
                    context.MatchAction(e);
                    return null;
                case HistoryEventType.TaskCompleted or HistoryEventType.SubOrchestrationCompleted or HistoryEventType.TimerFired:
                    context.Complete(e.TaskId, e.Payload);
                    break;
                case HistoryEventType.TaskFailed or HistoryEventType.SubOrchestrationFailed:
                    context.Fail(e.TaskId, e.Failure ?? new TaskFailureDetails("Unknown", "The task failed.", null, null));
                    break;
                case HistoryEventType.EventRaised:
                    context.Raise(e.Name ?? "", e.Payload);
                    break;
                case HistoryEventType.ExecutionTerminated:
                    return Finish(OrchestrationRuntimeStatus.Terminated, e.Payload, null);
                default:
                    // Completion events end an execution; an execution that has one is never replayed.
                    return null;
            }
            sync.Pump();
            return running is { IsCompleted: true } done ? Completed(done) : null;
        }

        ReplayResult Completed(Task<string?> done)
        {
            if (done.IsFaulted)
            {
                var error = done.Exception.InnerExceptions.Count == 1 ? done.Exception.InnerException! : done.Exception;
                return Finish(OrchestrationRuntimeStatus.Failed, null, TaskFailureDetails.FromException(error));
            }
            if (done.IsCanceled)
            {
                return Finish(OrchestrationRuntimeStatus.Failed, null, new TaskFailureDetails(
                    typeof(TaskCanceledException).FullName!, "The orchestrator was cancelled.", null, null));
            }
            return context.ContinueAsNewRequested
                ? Finish(OrchestrationRuntimeStatus.ContinuedAsNew, null, null)
                : Finish(OrchestrationRuntimeStatus.Completed, done.Result, null);
        }

        ReplayResult Finish(OrchestrationRuntimeStatus status, string? output, TaskFailureDetails? failure)
        {
            var type = status switch
            {
                OrchestrationRuntimeStatus.Completed => HistoryEventType.ExecutionCompleted,
                OrchestrationRuntimeStatus.Failed => HistoryEventType.ExecutionFailed,
                OrchestrationRuntimeStatus.Terminated => HistoryEventType.ExecutionTerminated,
                _ => HistoryEventType.ContinuedAsNew,
            };
            // A terminate event is already among the consumed ones; everything else gets its closing event here.
            List<HistoryEvent> appended = [.. consumed];
            if (type != HistoryEventType.ExecutionTerminated)
            {
                appended.Add(new HistoryEvent(type, context.CurrentTime, Payload: output ?? context.ContinueAsNewInput, Failure: failure));
            }
            // Actions still open when the orchestrator ends are dropped: nothing would ever read their results.
            return new ReplayResult(appended, [], status, output, failure, context.CustomStatus, context.ContinueAsNewInput);
        }
    }

    private static Task<string?> Start(OrchestratorInvoker orchestrator, ReplayContext context, JsonSerializerOptions json)
    {
        try
        {
            return orchestrator(context, json);
        }
        catch (Exception ex)
        {
            return Task.FromException<string?>(ex);
        }
    }
}
