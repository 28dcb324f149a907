using ModelOps.Core.Data;

namespace ModelOps.Core.Monitoring;

/// <summary>Thresholds of the data quality signal; a feature past any of them raises the alarm.</summary>
public sealed record DataQualityOptions
{
    /// <summary>Alarm when a feature's null rate exceeds its baseline null rate by more than this (absolute). Default 0.1.</summary>
    public double MaxNullRateIncrease { get; init; } = 0.1;

    /// <summary>Alarm when more than this share of present values lies outside the training domain. Default 0.05.</summary>
    public double MaxOutOfDomainRate { get; init; } = 0.05;

    /// <summary>Alarm when more than this share of rows had a value of the wrong type. Default 0.01.</summary>
    public double MaxTypeErrorRate { get; init; } = 0.01;
}

/// <summary>One feature's data quality in a traffic window.</summary>
/// <param name="OutOfDomainRate">Share of present values outside the baseline: numeric below its min, above its max or ±∞; categorical levels never seen in training.</param>
/// <param name="TypeErrorRate">TypeErrors / Rows: values the traffic reader could not read as the column's type.</param>
public sealed record FeatureQuality(
    string Feature,
    int Rows,
    double NullRate,
    double BaselineNullRate,
    double OutOfDomainRate,
    long TypeErrors,
    double TypeErrorRate,
    IReadOnlyList<string> Problems);

/// <summary>Data quality of a traffic window against the training baseline.</summary>
/// <param name="MissingColumns">Baseline features absent from the window; any one raises the alarm.</param>
public sealed record DataQualityReport(IReadOnlyList<FeatureQuality> Features, IReadOnlyList<string> MissingColumns, bool Alarm);

/// <summary>Null rate, out-of-domain rate and type errors of each feature of a window.</summary>
internal static class DataQualityCheck
{
    /// <summary>Quality of a window given as a table.</summary>
    public static DataQualityReport Evaluate(DriftBaseline baseline, Table window, IReadOnlyDictionary<string, long>? typeErrors = null, DataQualityOptions? options = null)
    {
        using var summaries = WindowSummaries.Summarize(baseline, window);
        return Evaluate(baseline, summaries, typeErrors, options);
    }

    /// <summary>Quality from window summaries; <paramref name="typeErrors"/> counts unreadable values per feature, as the traffic reader reports them.</summary>
    public static DataQualityReport Evaluate(
        DriftBaseline baseline, IReadOnlyDictionary<string, FeatureWindow> windows, IReadOnlyDictionary<string, long>? typeErrors = null, DataQualityOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(windows);
        options ??= new DataQualityOptions();
        var errors = typeErrors is null ? null : new Dictionary<string, long>(typeErrors, StringComparer.OrdinalIgnoreCase);
        var features = new List<FeatureQuality>();
        var missing = new List<string>();
        foreach (var feature in baseline.Features)
        {
            if (!windows.TryGetValue(feature.Name, out var window))
            {
                missing.Add(feature.Name);
                continue;
            }
            features.Add(Feature(feature, window, errors?.GetValueOrDefault(feature.Name) ?? 0, options));
        }
        var alarm = missing.Count > 0 || features.Exists(f => f.Problems.Count > 0);
        return new DataQualityReport(features, missing, alarm);
    }

    private static FeatureQuality Feature(FeatureBaseline baseline, FeatureWindow window, long typeErrors, DataQualityOptions options)
    {
        var rows = window.Rows;
        var nullRate = rows == 0 ? 0 : (double)window.MissingCount / rows;
        var present = rows - window.MissingCount;
        var outOfDomain = (baseline, window) switch
        {
            (NumericBaseline b, NumericWindow w) => OutOfRange(b, w),
            (CategoricalBaseline b, CategoricalWindow w) => Unseen(b, w),
            _ => present, // a column of the other kind is entirely outside the domain
        };
        var outOfDomainRate = present == 0 ? 0 : (double)outOfDomain / present;
        var typeErrorRate = rows == 0 ? 0 : (double)typeErrors / rows;

        var problems = new List<string>();
        if (nullRate - baseline.NullRate > options.MaxNullRateIncrease)
        {
            problems.Add($"null rate {nullRate:P1} against {baseline.NullRate:P1} in training");
        }
        if (outOfDomainRate > options.MaxOutOfDomainRate)
        {
            problems.Add($"{outOfDomainRate:P1} of values outside the training domain");
        }
        if (typeErrorRate > options.MaxTypeErrorRate)
        {
            problems.Add($"{typeErrorRate:P1} of values of the wrong type");
        }
        return new FeatureQuality(baseline.Name, rows, nullRate, baseline.NullRate, outOfDomainRate, typeErrors, typeErrorRate, problems);
    }

    private static long OutOfRange(NumericBaseline baseline, NumericWindow window)
    {
        if (baseline.SortedValues.Length == 0)
        {
            return window.Sorted.Length + window.InfiniteCount;
        }
        var below = PopulationStability.LowerBound(window.Sorted, baseline.Min);
        var above = window.Sorted.Length - PopulationStability.UpperBound(window.Sorted, baseline.Max);
        return below + above + window.InfiniteCount;
    }

    private static long Unseen(CategoricalBaseline baseline, CategoricalWindow window)
    {
        var unseen = 0L;
        foreach (var (level, count) in window.Counts)
        {
            if (!baseline.Counts.ContainsKey(level))
            {
                unseen += count;
            }
        }
        return unseen;
    }
}
