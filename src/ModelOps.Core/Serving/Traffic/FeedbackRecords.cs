using System.Text.Json;

namespace ModelOps.Core.Serving.Traffic;

/// <summary>One ground-truth label as <c>POST /api/models/{model}/feedback</c> takes it: <c>{"requestId", "row" (default 0), "label"}</c>.</summary>
public sealed record FeedbackLabel(string RequestId, JsonElement Label, int Row = 0);

/// <summary>A stored label: a line of <c>traffic/{model}/feedback/{yyyy}/{MM}/{dd}/{HH}/{host}-{n}.jsonl</c>, stamped when received.</summary>
public sealed record FeedbackRecord(string RequestId, int Row, JsonElement Label, DateTimeOffset Time);

/// <summary>A scored row with its ground truth: the latest label received for its request id and row.</summary>
public sealed record LabelledTraffic(TrafficRecord Record, JsonElement Label, DateTimeOffset LabelTime);

/// <summary>The rows of a traffic window that have labels, and what did not join.</summary>
/// <param name="TrafficRecords">Scored rows read in the window.</param>
/// <param name="FeedbackRecords">Labels read (from the window's start to its end plus the feedback delay).</param>
/// <param name="UnmatchedFeedback">Labels (distinct request id and row) with no scored row in the window: unknown ids,
/// or rows scored outside the window. Counted, never an error.</param>
/// <param name="CorruptLines">Unreadable lines skipped, traffic and feedback together.</param>
public sealed record LabelledWindow(
    IReadOnlyList<LabelledTraffic> Rows,
    int TrafficRecords,
    int FeedbackRecords,
    int UnmatchedFeedback,
    long CorruptLines);

/// <summary>Feedback that cannot be stored; <see cref="Errors"/> lists every bad entry. Hosts answer 400 (413 when <see cref="TooMany"/>).</summary>
public sealed class FeedbackInputException(IReadOnlyList<string> errors, bool tooMany = false)
    : ArgumentException($"The feedback has {errors.Count} problem{(errors.Count == 1 ? string.Empty : "s")}: {string.Join("; ", errors.Take(20))}{(errors.Count > 20 ? $"; and {errors.Count - 20} more" : string.Empty)}.")
{
    public IReadOnlyList<string> Errors { get; } = errors;

    /// <summary>The request had more labels than one call may store.</summary>
    public bool TooMany { get; } = tooMany;
}
