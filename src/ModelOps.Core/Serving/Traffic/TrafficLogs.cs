using Microsoft.Extensions.Logging;

namespace ModelOps.Core.Serving.Traffic;

/// <summary>The traffic log's and feedback store's log messages.</summary>
internal static partial class TrafficLogs
{
    [LoggerMessage(EventId = 5101, Level = LogLevel.Warning, Message = "Appending {Records} traffic record(s) for {Model} failed (attempt {Attempt}); retrying in {Delay}")]
    public static partial void AppendFailed(this ILogger logger, Exception exception, string model, int records, int attempt, TimeSpan delay);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Error, Message = "Traffic log stopped with {Records} record(s) unwritten; they are counted as dropped")]
    public static partial void GaveUp(this ILogger logger, long records);

    [LoggerMessage(EventId = 5103, Level = LogLevel.Warning, Message = "Traffic log buffer is full ({Capacity} records): dropping records; {Dropped} dropped so far")]
    public static partial void BufferFull(this ILogger logger, int capacity, long dropped);

    [LoggerMessage(EventId = 5104, Level = LogLevel.Warning, Message = "Skipped {Count} unreadable line(s) in {Blob}")]
    public static partial void CorruptLines(this ILogger logger, int count, string blob);

    [LoggerMessage(EventId = 5105, Level = LogLevel.Information, Message = "Traffic log stopped: {Written} written, {Dropped} dropped, {Rejected} rejected, {FailedFlushes} failed flush(es)")]
    public static partial void Stopped(this ILogger logger, long written, long dropped, long rejected, long failedFlushes);
}
