using ModelOps.Core.Storage;

namespace ModelOps.Core.Monitoring;

/// <summary>What a monitor tick did about what it saw, and why.</summary>
/// <param name="Action">One of the <see cref="MonitorDecision"/> action names.</param>
public sealed record MonitorDecision(string Action, string Reason, string? RetrainRunId = null)
{
    public const string Healthy = "none";
    public const string NotEnoughRows = "not-enough-rows";
    public const string Waiting = "waiting";
    public const string Retrain = "retrain";
    public const string Cooldown = "suppressed-cooldown";
    public const string Budget = "suppressed-budget";
    public const string AlreadyRunning = "suppressed-running";
}

/// <summary>One monitor tick for one model (<c>monitoring/{model}/{time}.json</c>): the signals, the problems, the decision.</summary>
/// <param name="Problems">The signals that made the window bad, in words; empty for a good window.</param>
public sealed record MonitoringReport(
    ModelName Model,
    int Version,
    DateTimeOffset Time,
    DateTimeOffset WindowStart,
    DateTimeOffset WindowEnd,
    int Rows,
    DriftReport? Drift,
    DataQualityReport? Quality,
    LatencySignal? Latency,
    PerformanceReport? Performance,
    PerformanceEstimate? Estimate,
    IReadOnlyList<string> Problems,
    MonitorDecision Decision)
{
    /// <summary>
    /// The share of the window's traffic lines the tick read, when the window held more than <c>monitor.maxWindowRows</c>
    /// and was sampled (<see cref="Rows"/> counts the rows read); null when every line was read.
    /// </summary>
    public double? SampledShare { get; init; }

    /// <summary>Bytes of traffic log the tick read: the whole window's, or only what was logged since the last tick when the
    /// host kept the window (<c>monitor.keepWindow</c>).</summary>
    public long TrafficBytesRead { get; init; }

    /// <summary>A window with enough rows and at least one bad signal.</summary>
    public bool Bad => Decision.Action != MonitorDecision.NotEnoughRows && Problems.Count > 0;
}
