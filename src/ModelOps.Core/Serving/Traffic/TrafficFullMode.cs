namespace ModelOps.Core.Serving.Traffic;

/// <summary>What a write does when the traffic log's buffer is full (storage slow or down).</summary>
public enum TrafficFullMode
{
    /// <summary>The record is dropped at once and counted; predict never waits. <c>TryWrite</c> always behaves so.</summary>
    DropNewest,

    /// <summary><c>WriteAsync</c> waits for room, at most <see cref="TrafficLogOptions.WaitTimeout"/>, then drops and counts.</summary>
    Wait,
}
