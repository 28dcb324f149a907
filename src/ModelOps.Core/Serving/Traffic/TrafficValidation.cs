namespace ModelOps.Core.Serving.Traffic;

/// <summary>Bounds on what the traffic log and feedback store accept, checked once at their edge.</summary>
internal static class TrafficValidation
{
    /// <summary>Longest request id, in characters.</summary>
    public const int MaxRequestIdLength = 128;

    /// <summary>Most rows a request may have; feedback rows are checked against it.</summary>
    public const int MaxRow = 1_000_000;

    public static void ThrowIfInvalid(TrafficRecord record)
    {
        if (RequestIdProblem(record.RequestId) is { } problem)
        {
            throw new ArgumentException(problem, nameof(record));
        }
        if (record.Row is < 0 or > MaxRow)
        {
            throw new ArgumentException($"Row must be 0 to {MaxRow}, not {record.Row}.", nameof(record));
        }
        if (record.Features is null || record.Prediction is null)
        {
            throw new ArgumentException("A traffic record needs its features and its prediction.", nameof(record));
        }
        _ = record.Model.Value; // an uninitialised name throws here, not in the background writer
    }

    public static string? RequestIdProblem(string? requestId) =>
        string.IsNullOrEmpty(requestId) ? "A request id is required."
        : requestId.Length > MaxRequestIdLength ? $"A request id must be at most {MaxRequestIdLength} characters, not {requestId.Length}."
        : null;
}
