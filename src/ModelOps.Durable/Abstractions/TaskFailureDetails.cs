namespace ModelOps.Durable;

/// <summary>What went wrong in an activity or orchestration: data that survives serialisation, not a live exception.</summary>
public sealed record TaskFailureDetails(string ErrorType, string ErrorMessage, string? StackTrace, TaskFailureDetails? InnerFailure)
{
    /// <summary>Captures an exception and its inner exceptions.</summary>
    public static TaskFailureDetails FromException(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        // A failed activity seen from an orchestrator is a TaskFailedException; keep the activity's own failure as the cause.
        var inner = exception switch
        {
            TaskFailedException failed => failed.FailureDetails,
            _ when exception.InnerException is { } e => FromException(e),
            _ => null,
        };
        return new TaskFailureDetails(exception.GetType().FullName ?? exception.GetType().Name, exception.Message, exception.StackTrace, inner);
    }

    /// <summary>True when this failure, or one it wraps, is of the given exception type.</summary>
    public bool IsCausedBy<TException>() where TException : Exception =>
        ErrorType == typeof(TException).FullName || (InnerFailure?.IsCausedBy<TException>() ?? false);

    public override string ToString() => $"{ErrorType}: {ErrorMessage}";
}
