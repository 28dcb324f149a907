namespace ModelOps.Durable;

/// <summary>Thrown into an orchestrator when an activity (or sub-orchestration) failed after all its attempts.</summary>
public sealed class TaskFailedException : Exception
{
    public TaskFailedException(string taskName, int taskId, TaskFailureDetails failureDetails)
        : base($"Task '{taskName}' (#{taskId}) failed with an unhandled exception: {failureDetails.ErrorMessage}")
    {
        TaskName = taskName;
        TaskId = taskId;
        FailureDetails = failureDetails;
    }

    public string TaskName { get; }
    public int TaskId { get; }

    /// <summary>The failure as the activity reported it.</summary>
    public TaskFailureDetails FailureDetails { get; }
}
