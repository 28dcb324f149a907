using ModelOps.Core.Storage;

namespace ModelOps.Core.Serving.Traffic;

/// <summary>Which JSON-lines files a line goes to: scored requests or feedback, of one model, in one UTC hour.</summary>
internal readonly record struct TrafficStream(ModelName Model, DateTime Hour, bool Feedback)
{
    public static TrafficStream Requests(ModelName model, DateTimeOffset time) => new(model, HourOf(time), false);

    public static TrafficStream Labels(ModelName model, DateTimeOffset time) => new(model, HourOf(time), true);

    /// <summary>The hour folder, as <see cref="StorageLayout"/> builds it.</summary>
    public string Folder => Feedback ? StorageLayout.FeedbackHourPrefix(Model, Hour) : StorageLayout.TrafficHourPrefix(Model, Hour);

    public static DateTime HourOf(DateTimeOffset time)
    {
        var utc = time.UtcDateTime;
        return new DateTime(utc.Year, utc.Month, utc.Day, utc.Hour, 0, 0, DateTimeKind.Utc);
    }

    /// <summary>The hours whose folders hold times in [from, to), oldest first.</summary>
    public static IEnumerable<DateTime> HoursCovering(DateTimeOffset from, DateTimeOffset to)
    {
        for (var hour = HourOf(from); hour < to.UtcDateTime; hour = hour.AddHours(1))
        {
            yield return hour;
        }
    }
}
