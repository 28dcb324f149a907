using System.Text.Json;
using ModelOps.Core.Data;
using ModelOps.Core.Evaluation;
using ModelOps.Core.Storage;
using ModelOps.Core.Training;

namespace ModelOps.Core.Pipelines;

/// <summary>
/// A model's config from <c>datasets/{model}/modelops.json</c> (DESIGN §3). Every field is optional; a run
/// records the config it used after defaults are applied.
/// </summary>
public sealed record ModelConfig
{
    public string? Label { get; init; }

    /// <summary>regression, binary or multiclass; inferred from the label when absent.</summary>
    public string? Task { get; init; }

    public string? Metric { get; init; }

    public IReadOnlyList<string> Exclude { get; init; } = [];

    public SearchConfig Search { get; init; } = new();

    public GateConfig Gates { get; init; } = new();

    public MonitorConfig Monitor { get; init; } = new();

    public DataConfig Data { get; init; } = new();

    public ServingConfig Serving { get; init; } = new();

    /// <summary>Parses a config blob, with every problem in one readable message.</summary>
    public static ModelConfig Parse(ReadOnlySpan<byte> utf8Json)
    {
        ModelConfig? config;
        try
        {
            config = JsonSerializer.Deserialize<ModelConfig>(utf8Json, ConfigJson);
        }
        catch (JsonException e)
        {
            throw new InvalidModelConfigException($"{StorageLayout.ModelConfigFile} is not valid JSON for a model config: {e.Message}");
        }
        config ??= new ModelConfig();
        var errors = config.Validate();
        return errors.Count == 0
            ? config
            : throw new InvalidModelConfigException($"{StorageLayout.ModelConfigFile} has problems: {string.Join("; ", errors)}.");
    }

    private List<string> Validate()
    {
        var errors = new List<string>();
        if (Task is not null and not ("regression" or "binary" or "multiclass"))
        {
            errors.Add($"task '{Task}' must be regression, binary or multiclass");
        }
        if (Search.Strategy is not ("random" or "grid"))
        {
            errors.Add($"search.strategy '{Search.Strategy}' must be random or grid");
        }
        if (Search.Trials is < 1 or > 500)
        {
            errors.Add($"search.trials {Search.Trials} must be between 1 and 500");
        }
        if (Search.Parallelism is < 1 or > 64)
        {
            errors.Add($"search.parallelism {Search.Parallelism} must be between 1 and 64");
        }
        if (Search.Folds is < 2 or > 10)
        {
            errors.Add($"search.folds {Search.Folds} must be between 2 and 10");
        }
        if (Search.HoldoutFraction is < 0.05 or > 0.5)
        {
            errors.Add($"search.holdoutFraction {Search.HoldoutFraction} must be between 0.05 and 0.5");
        }
        errors.AddRange(Monitor.Validate());
        if (Serving.UnknownFields is not (ServingConfig.Report or ServingConfig.Ignore or ServingConfig.Reject))
        {
            errors.Add($"serving.unknownFields '{Serving.UnknownFields}' must be report, ignore or reject");
        }
        return errors;
    }

    // Config files are written by people: allow comments and trailing commas.
    private static readonly JsonSerializerOptions ConfigJson = new(Json.Options)
    {
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };
}

/// <summary>How the hyperparameter search runs.</summary>
public sealed record SearchConfig
{
    public string Strategy { get; init; } = "random";

    public int Trials { get; init; } = 12;

    /// <summary>How many trials run at once.</summary>
    public int Parallelism { get; init; } = 4;

    /// <summary>Trainers to search over; all that fit the task when empty.</summary>
    public IReadOnlyList<string> Trainers { get; init; } = [];

    public int Folds { get; init; } = 3;

    /// <summary>Share of the cleaned rows held out to compare candidate and champion.</summary>
    public double HoldoutFraction { get; init; } = 0.2;

    /// <summary>
    /// Seeds the holdout split, the folds and the trials' proposals: the same data and config give the same model.
    /// Change it to see how much a result owes to chance.
    /// </summary>
    public int Seed { get; init; } = ModelContext.Seed;
}

/// <summary>Deployment gates: absolute minimums and the largest allowed regression against production.</summary>
public sealed record GateConfig
{
    public IReadOnlyDictionary<string, double> Min { get; init; } = new Dictionary<string, double>();

    public IReadOnlyDictionary<string, double> MaxRegression { get; init; } = new Dictionary<string, double>();

    /// <summary>Largest acceptable single-row p95 scoring latency of the candidate, in milliseconds.</summary>
    public double? MaxP95LatencyMs { get; init; }

    /// <summary>The policy for a problem: each part the config sets replaces that part of the task's default.</summary>
    public GatePolicy ToPolicy(TrainingProblem problem)
    {
        var defaults = GatePolicy.Default(problem);
        return new GatePolicy(
            Min.Count > 0 ? Min : defaults.Min,
            MaxRegression.Count > 0 ? MaxRegression : defaults.MaxRegression,
            MaxP95LatencyMs ?? defaults.MaxP95LatencyMs);
    }
}

/// <summary>How dropped data is read, validated and cleaned (docs/data.md lists every option and default).</summary>
public sealed record DataConfig
{
    /// <summary>Declared columns: their kinds win over inference, and the validator holds the data to them.</summary>
    public IReadOnlyList<ColumnSchema>? Schema { get; init; }

    public DataValidationOptions Validation { get; init; } = new();

    public CleaningOptions Cleaning { get; init; } = new();

    /// <summary>How files are read: limits (bytes, columns, rows, line and field length), delimiter, sample size.</summary>
    public CsvReadOptions Read { get; init; } = new();

    /// <summary>The reader options, with the kinds to read by: the first file's (so later ones stack), else the declared schema.</summary>
    public CsvReadOptions ReadOptions(TableSchema? previousFiles) => Read with
    {
        Schema = previousFiles ?? (Schema is { Count: > 0 } declared ? new TableSchema(declared) : null),
    };
}

/// <summary>How predict treats a request.</summary>
public sealed record ServingConfig
{
    public const string Report = "report";
    public const string Ignore = "ignore";
    public const string Reject = "reject";

    /// <summary>Fields a row sends that the model does not use: named in the response (report), dropped silently (ignore), or a 400 (reject).</summary>
    public string UnknownFields { get; init; } = Report;
}

/// <summary>How the monitor watches a model's traffic and when it retrains (DESIGN §3, §4).</summary>
public sealed record MonitorConfig
{
    /// <summary>Six-field cron (seconds first), as Azure Functions timers take it.</summary>
    public string Schedule { get; init; } = "0 */5 * * * *";

    /// <summary>How much recent traffic a tick looks at.</summary>
    public int WindowMinutes { get; init; } = 60;

    /// <summary>Fewer scored rows in the window than this: no verdict, recorded as such.</summary>
    public int MinRows { get; init; } = 200;

    /// <summary>
    /// About the most rows a tick reads: a window holding more (heavy traffic, a long window) is sampled line by line,
    /// uniformly, so that a tick's time and memory stay bounded; the report says what share was read.
    /// </summary>
    public int MaxWindowRows { get; init; } = 1_000_000;

    /// <summary>
    /// Whether the host keeps the window's columns between ticks, so that a tick reads only the traffic logged since the
    /// last (about 8 bytes a value and 50 a row held between ticks, for a window the bound does not sample); false reads
    /// the whole window each tick and holds nothing between them.
    /// </summary>
    public bool KeepWindow { get; init; } = true;

    /// <summary>Share of drifted features at which the dataset drifts.</summary>
    public double DriftShare { get; init; } = 0.5;

    /// <summary>Scoring latency p95 SLO, in milliseconds.</summary>
    public double P95LatencyMs { get; init; } = 50;

    /// <summary>Bad windows in a row before an alarm fires.</summary>
    public int ConsecutiveWindows { get; init; } = 2;

    /// <summary>No retrain this soon after the last one the monitor started.</summary>
    public int CooldownMinutes { get; init; } = 60;

    /// <summary>Most retrains the monitor starts per model per UTC day.</summary>
    public int DailyRetrainBudget { get; init; } = 3;

    /// <summary>Traffic rows with feedback labels from this many recent days join the training data of a retrain (0: none).</summary>
    public int FeedbackDays { get; init; } = 7;

    /// <summary>
    /// How much each such traffic row counts in training relative to a row of the dropped files (1: alike; above 1: the
    /// recent, labelled traffic weighs more, so a retrain follows what drifted sooner).
    /// </summary>
    public double FeedbackWeight { get; init; } = 1;

    internal IEnumerable<string> Validate()
    {
        if (!Cronos.CronExpression.TryParse(Schedule, Cronos.CronFormat.IncludeSeconds, out _))
        {
            yield return $"monitor.schedule '{Schedule}' is not a six-field cron expression (seconds first), e.g. \"0 */5 * * * *\"";
        }
        if (WindowMinutes is < 1 or > 60 * 24 * 31)
        {
            yield return $"monitor.windowMinutes {WindowMinutes} must be between 1 and {60 * 24 * 31}";
        }
        if (MinRows < 1)
        {
            yield return $"monitor.minRows {MinRows} must be at least 1";
        }
        if (MaxWindowRows < Math.Max(MinRows, 1_000))
        {
            yield return $"monitor.maxWindowRows {MaxWindowRows} must be at least 1000 and at least monitor.minRows";
        }
        if (DriftShare is <= 0 or > 1)
        {
            yield return $"monitor.driftShare {DriftShare} must be in (0, 1]";
        }
        if (ConsecutiveWindows < 1)
        {
            yield return $"monitor.consecutiveWindows {ConsecutiveWindows} must be at least 1";
        }
        if (FeedbackWeight is <= 0 or > 1000 || !double.IsFinite(FeedbackWeight))
        {
            yield return $"monitor.feedbackWeight {FeedbackWeight} must be above 0 and at most 1000";
        }
        if (CooldownMinutes < 0 || DailyRetrainBudget < 0 || FeedbackDays < 0 || P95LatencyMs <= 0)
        {
            yield return "monitor.cooldownMinutes, dailyRetrainBudget and feedbackDays must not be negative, and p95LatencyMs must be positive";
        }
    }
}

/// <summary>A model config blob that cannot be used; the message says why.</summary>
public sealed class InvalidModelConfigException(string message) : Exception(message);
