namespace ModelOps.Core.Storage;

/// <summary>Every container and blob path ModelOps uses (DESIGN §2); nothing else builds a path.</summary>
public static class StorageLayout
{
    public const string Datasets = "datasets";
    public const string Runs = "runs";
    public const string Registry = "registry";
    public const string Traffic = "traffic";
    public const string Monitoring = "monitoring";
    public const string Quarantine = "quarantine";

    public static readonly IReadOnlyList<string> Containers = [Datasets, Runs, Registry, Traffic, Monitoring, Quarantine];

    /// <summary>The optional per-model config blob, which never starts a run.</summary>
    public const string ModelConfigFile = "modelops.json";

    /// <summary>Data file extensions that start a run when dropped.</summary>
    public static readonly IReadOnlyList<string> DataExtensions = [".csv", ".tsv", ".txt", ".jsonl", ".ndjson", ".json", ".parquet"];

    public static string ModelConfig(ModelName model) => $"{model}/{ModelConfigFile}";

    public static string DatasetPrefix(ModelName model) => $"{model}/";

    public static string RunPrefix(string runId) => $"{runId}/";

    public static string RunFile(string runId, string file) => $"{runId}/{file}";

    public static string VersionPrefix(ModelName model, int version) => $"{model}/versions/{version}/";

    public static string VersionsPrefix(ModelName model) => $"{model}/versions/";

    public static string VersionFile(ModelName model, int version, string file) => $"{model}/versions/{version}/{file}";

    public static string Alias(ModelName model, string alias) => $"{model}/aliases/{alias}.json";

    public static string QuarantinedFile(ModelName model, string file) => $"{model}/{file}";

    public static string QuarantineReason(ModelName model, string file) => $"{model}/{file}.reason.txt";

    public static string RejectedRows(string runId) => $"{runId}/rejected.csv";

    /// <summary>A tick's report; the suffix keeps two ticks in the same millisecond (two hosts) from overwriting each other.</summary>
    public static string MonitoringReport(ModelName model, DateTimeOffset time, string suffix) =>
        $"{model}/{time.UtcDateTime:yyyyMMdd}/{time.UtcDateTime:HHmmss.fff}-{suffix}.json";

    public static string MonitoringDay(ModelName model, DateTime day) => $"{model}/{day:yyyyMMdd}/";
    /// <summary>The hour folder of a model's scored requests: <c>{model}/{yyyy}/{MM}/{dd}/{HH}/</c> (UTC).</summary>
    public static string TrafficHourPrefix(ModelName model, DateTime hourUtc) => $"{model}/{HourPath(hourUtc)}/";

    /// <summary>The hour folder of a model's feedback labels: <c>{model}/feedback/{yyyy}/{MM}/{dd}/{HH}/</c> (UTC).</summary>
    public static string FeedbackHourPrefix(ModelName model, DateTime hourUtc) => $"{model}/feedback/{HourPath(hourUtc)}/";

    /// <summary>The day folder of a model's scored requests: <c>{model}/{yyyy}/{MM}/{dd}/</c> (UTC); it holds that day's hour folders.</summary>
    public static string TrafficDayPrefix(ModelName model, DateTime dayUtc) => $"{model}/{DayPath(dayUtc)}/";

    /// <summary>The day folder of a model's feedback labels: <c>{model}/feedback/{yyyy}/{MM}/{dd}/</c> (UTC).</summary>
    public static string FeedbackDayPrefix(ModelName model, DateTime dayUtc) => $"{model}/feedback/{DayPath(dayUtc)}/";

    private static string DayPath(DateTime dayUtc) =>
        dayUtc.ToString("yyyy'/'MM'/'dd", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The prefix of one host's JSON-lines files in an hour folder: <c>{folder}{host}-</c>; <c>{n}.jsonl</c> follows.</summary>
    public static string HostFilePrefix(string hourPrefix, string host) => $"{hourPrefix}{host}-";

    /// <summary>One host's n-th JSON-lines file in an hour folder: <c>{folder}{host}-{n}.jsonl</c>.</summary>
    public static string HostFile(string hourPrefix, string host, int n) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{hourPrefix}{host}-{n}{JsonLinesExtension}");

    public const string JsonLinesExtension = ".jsonl";

    private static string HourPath(DateTime hourUtc) =>
        hourUtc.ToString("yyyy'/'MM'/'dd'/'HH", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>True when a blob in <see cref="Datasets"/> is a data file (not the model config) by its name.</summary>
    public static bool IsDataFile(string blobName) =>
        !string.Equals(Path.GetFileName(blobName), ModelConfigFile, StringComparison.OrdinalIgnoreCase)
        && !blobName.EndsWith(".predictions.csv", StringComparison.OrdinalIgnoreCase)
        && DataExtensions.Any(ext => blobName.EndsWith(ext, StringComparison.OrdinalIgnoreCase));
}
