using System.Text.Json;
using ModelOps.Core.Data;
using ModelOps.Core.Evaluation;
using ModelOps.Core.Registry;
using ModelOps.Core.Serving.Traffic;
using ModelOps.Core.Storage;
using ModelOps.Core.Training;

namespace ModelOps.Core.Monitoring;

/// <summary>
/// One monitor tick for one model (DESIGN §4 MonitorModel): reads only the window's traffic served by the production
/// version, compares it with that version's training baseline (drift, prediction drift, data quality), checks latency
/// against the SLO and performance on rows with feedback (or estimates it without labels), records a report, and starts
/// a retrain when the alarm policy says so.
/// </summary>
public sealed class ModelMonitor(
    ModelRegistry registry, DatasetCatalog datasets, TrafficReader traffic, FeedbackStore feedback,
    MonitoringReports reports, IRetrainStarter retrains, TimeProvider time)
{
    // One tick per model at a time in this host: the timer and an HTTP request must not judge the same window twice.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, SemaphoreSlim> _ticking = new();

    /// <summary>Runs a tick now; null when the model has nothing in production to watch.</summary>
    public async Task<MonitoringReport?> TickAsync(ModelName model, CancellationToken cancellationToken)
    {
        var gate = _ticking.GetOrAdd(model, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            return await TickLockedAsync(model, cancellationToken);
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<MonitoringReport?> TickLockedAsync(ModelName model, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (await registry.GetAliasAsync(model, ModelRegistry.Production, cancellationToken) is not { } production
            || await registry.GetManifestAsync(model, production.Version, cancellationToken) is not { } manifest)
        {
            return null;
        }
        var config = (await datasets.ReadConfigAsync(model, cancellationToken)).Monitor;
        var from = now.AddMinutes(-config.WindowMinutes);
        var baseline = await registry.ReadVersionFileAsync<BaselineSample>(model, manifest.Version, BaselineSample.File, cancellationToken);
        // Without a baseline only the served rows are counted; with one, the labels are read first so that the one pass
        // over the traffic lays out the features and joins them.
        var features = baseline is null ? new TableSchema([]) : manifest.Problem.FeatureSchema(manifest.Schema);
        var labels = baseline is null ? null : await feedback.ReadLabelsAsync(model, from, now, cancellationToken);
        var request = new TrafficFrameRequest(features, from, now, manifest.Version, labels) { MaxRows = config.MaxWindowRows, KeepBetweenReads = config.KeepWindow };
        var (frame, _) = await traffic.ReadFrameAsync(model, request, cancellationToken);
        var served = frame.Table.RowCount;

        var signals = served == 0 || baseline is null
            ? Signals.None
            : Measure(manifest, baseline, features, frame, config);
        var problems = signals.Problems(config, manifest);
        var previous = await reports.SinceAsync(model, now - TimeSpan.FromMinutes(Math.Max(config.CooldownMinutes, 24 * 60)), now, cancellationToken);
        var running = await retrains.IsRetrainRunningAsync(model, cancellationToken);
        var decision = AlarmPolicy.Decide(config, previous, served, problems, running, now);
        if (decision.Action == MonitorDecision.Retrain)
        {
            var runId = await retrains.StartRetrainAsync(model, "monitor", cancellationToken);
            decision = runId is null
                ? new MonitorDecision(MonitorDecision.AlreadyRunning, "a retrain of this model started meanwhile")
                : decision with { RetrainRunId = runId };
        }
        var report = new MonitoringReport(model, manifest.Version, now, from, now, served, signals.Drift, signals.Quality,
            signals.Latency, signals.Performance, signals.Estimate, problems, decision)
        {
            SampledShare = frame.SampledShare < 1 ? frame.SampledShare : null,
            TrafficBytesRead = frame.BytesRead,
        };
        await reports.SaveAsync(report, cancellationToken);
        return report;
    }

    private static Signals Measure(ModelManifest manifest, BaselineSample baseline, TableSchema features, TrafficFrame frame, Pipelines.MonitorConfig config)
    {
        var driftBaseline = baseline.ToDriftBaseline();
        var window = WithTrackedPrediction(frame.Table, features, manifest.Problem.Task);
        var (drift, quality) = WindowChecks.Evaluate(driftBaseline, window, new DriftOptions { DriftShare = config.DriftShare }, frame.TypeErrors);
        var latency = LatencyCheck.Evaluate([.. frame.RequestLatencies], config.P95LatencyMs);
        var performance = Performance(manifest.Problem, frame);
        var estimate = manifest.Problem.Task == LearningTask.Binary
            ? ConfidenceBasedPerformance.Binary(frame.Table.Numeric(TrafficTable.ProbabilityColumn))
            : null;
        return new Signals(drift, quality, latency, performance, estimate);
    }

    /// <summary>The window's features plus the prediction as the baseline tracks it (probability, value or label).</summary>
    private static Table WithTrackedPrediction(Table traffic, TableSchema features, LearningTask task)
    {
        var source = task == LearningTask.Binary ? TrafficTable.ProbabilityColumn : TrafficTable.PredictionColumn;
        var index = traffic.Schema.IndexOf(source);
        var columns = features.Columns.Select(c => traffic.Column(traffic.Schema.IndexOf(c.Name))).Append(traffic.Column(index)).ToArray();
        var schema = new TableSchema([.. features.Columns, traffic.Schema.Columns[index] with { Name = BaselineSample.PredictionColumn }]);
        return new Table(schema, columns);
    }

    /// <summary>The optimised metric on the window's rows that have ground truth, when there are any (in a sampled
    /// window, every labelled row, also those the sample left out).</summary>
    private static PerformanceReport? Performance(TrainingProblem problem, TrafficFrame frame)
    {
        var rows = frame.Labelled;
        if (rows.Count == 0)
        {
            return null;
        }
        var table = frame.Table;
        var predictionKind = table.Schema.Columns[table.Schema.IndexOf(TrafficTable.PredictionColumn)].Kind;
        switch (problem.Task)
        {
            case LearningTask.Binary when problem.Metric is MetricCatalog.Auc or MetricCatalog.Accuracy or MetricCatalog.LogLoss:
                return TaskMetrics.Binary(problem.Metric,
                    rows.Select(r => r.Probability).ToArray(),
                    rows.Select(r => IsPositive(r.Label, problem.PositiveClass)).ToArray());
            case LearningTask.Regression when problem.Metric is MetricCatalog.R2 or MetricCatalog.Rmse or MetricCatalog.Mae
                && predictionKind == ColumnKind.Numeric:
                var numeric = rows.Where(r => r.Label.ValueKind == JsonValueKind.Number).ToList();
                return numeric.Count == 0 ? null : TaskMetrics.Regression(problem.Metric,
                    numeric.Select(r => r.Predicted).ToArray(),
                    numeric.Select(r => r.Label.GetDouble()).ToArray());
            case LearningTask.Multiclass when problem.Metric is MetricCatalog.MicroAccuracy or MetricCatalog.MacroAccuracy
                && predictionKind == ColumnKind.Categorical:
                return TaskMetrics.Multiclass(problem.Metric,
                    rows.Select(r => r.PredictedLabel ?? string.Empty).ToArray(),
                    rows.Select(r => Text(r.Label)).ToArray());
            default:
                return null;
        }
    }

    private static bool IsPositive(JsonElement label, string? positive) =>
        string.Equals(Text(label), positive, StringComparison.OrdinalIgnoreCase)
        || label.ValueKind == JsonValueKind.True && positive is "true" or "yes" or "1";

    private static string Text(JsonElement label) => label.ValueKind switch
    {
        JsonValueKind.String => label.GetString()!,
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => label.GetRawText(),
    };

    /// <summary>What a tick measured; every part is null when there was no traffic to measure.</summary>
    private sealed record Signals(DriftReport? Drift, DataQualityReport? Quality, LatencySignal? Latency, PerformanceReport? Performance, PerformanceEstimate? Estimate)
    {
        public static readonly Signals None = new(null, null, null, null, null);

        /// <summary>The bad signals, in words.</summary>
        public IReadOnlyList<string> Problems(Pipelines.MonitorConfig config, ModelManifest manifest)
        {
            var problems = new List<string>();
            if (Drift is { DatasetDrift: true } drift)
            {
                var names = drift.Features.Where(f => f.Drifted).Select(f => f.Feature);
                problems.Add($"dataset drift: {drift.DriftedFeatures} of {drift.JudgedFeatures} features drifted ({string.Join(", ", names)})");
            }
            if (Drift?.Prediction is { Drifted: true })
            {
                problems.Add("prediction drift: the model's outputs moved away from those on its held-out rows");
            }
            if (Quality is { Alarm: true } quality)
            {
                problems.Add("data quality: " + string.Join(", ", quality.MissingColumns.Select(c => $"'{c}' missing")
                    .Concat(quality.Features.SelectMany(f => f.Problems.Select(p => $"{f.Feature} {p}")))));
            }
            if (Latency is { Alarm: true } latency)
            {
                problems.Add($"latency: p95 {latency.P95:0.##} ms is over the SLO of {config.P95LatencyMs:0.##} ms");
            }
            if (Performance is { } performance
                && manifest.Config.Gates.ToPolicy(manifest.Problem).Min.TryGetValue(performance.Metric, out var minimum)
                && MetricCatalog.Find(manifest.Problem.Task, performance.Metric) is { } metric
                && metric.IsBetter(minimum, performance.Value))
            {
                problems.Add($"performance: {performance.Metric} {performance.Value:0.####} on {performance.LabelledRows} labelled rows is worse than the gate's {minimum:0.####}");
            }
            return problems;
        }
    }
}
