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

    /// <summary>
    /// The folders to list for times in [from, to): a whole UTC day inside the window as its day folder (one listing
    /// instead of 24), the other hours as hour folders. Nothing outside the window's hours is listed.
    /// </summary>
    public static IEnumerable<string> FoldersCovering(ModelName model, bool feedback, DateTimeOffset from, DateTimeOffset to)
    {
        var end = to.UtcDateTime;
        var hour = HourOf(from);
        while (hour < end)
        {
            if (hour.Hour == 0 && hour.AddDays(1) <= end)
            {
                yield return feedback ? StorageLayout.FeedbackDayPrefix(model, hour) : StorageLayout.TrafficDayPrefix(model, hour);
                hour = hour.AddDays(1);
                continue;
            }
            yield return new TrafficStream(model, hour, feedback).Folder;
            hour = hour.AddHours(1);
        }
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
