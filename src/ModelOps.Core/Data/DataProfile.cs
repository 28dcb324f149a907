namespace ModelOps.Core.Data;

/// <summary>
/// Per-feature statistics of one table, saved with a run (<c>runs/{runId}/data/profile.json</c>) as the baseline that later
/// data and live traffic are compared against. JSON-serialisable; comparing two profiles needs no raw data, because numeric
/// histograms of new data are binned on the baseline's edges (<see cref="Profiler.Profile"/> with a baseline).
/// </summary>
public sealed record DataProfile(long RowCount, IReadOnlyList<FeatureProfile> Features)
{
    /// <summary>The quantile levels of <see cref="FeatureProfile.Quantiles"/>.</summary>
    public static readonly IReadOnlyList<double> QuantileLevels = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99];

    public FeatureProfile? Find(string name) =>
        Features.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase));
}

/// <summary>Statistics of one column. Numeric, boolean and datetime columns fill the numeric members; categorical and text
/// columns fill <see cref="TopCategories"/>, <see cref="OtherCount"/> and <see cref="Distinct"/>.</summary>
/// <param name="Count">Present (non-missing, finite) values.</param>
/// <param name="Missing">Missing values (NaN / null).</param>
/// <param name="NonFinite">Infinite values in a numeric column (not counted in <see cref="Count"/>).</param>
/// <param name="Quantiles">At <see cref="DataProfile.QuantileLevels"/>; exact up to 100,000 values, else from an evenly spaced sample of 100,000.</param>
/// <param name="Histogram">Fixed-width bins; values outside the edges fall in the first or last bin.</param>
/// <param name="TopCategories">The most frequent levels with their counts, most frequent first (ties in ordinal order).</param>
/// <param name="OtherCount">Present values not among <see cref="TopCategories"/>.</param>
public sealed record FeatureProfile(
    string Name,
    ColumnKind Kind,
    long Count,
    long Missing,
    long NonFinite = 0,
    double? Mean = null,
    double? Std = null,
    double? Min = null,
    double? Max = null,
    IReadOnlyList<double>? Quantiles = null,
    Histogram? Histogram = null,
    IReadOnlyList<CategoryCount>? TopCategories = null,
    long OtherCount = 0,
    long? Distinct = null);

/// <summary>A fixed-bin histogram: <c>Edges.Count == Counts.Count + 1</c>, bins of equal width.</summary>
public sealed record Histogram(IReadOnlyList<double> Edges, IReadOnlyList<long> Counts);

/// <summary>One categorical level and how many rows hold it.</summary>
public sealed record CategoryCount(string Value, long Count);

/// <summary>Settings for <see cref="Profiler"/>.</summary>
public sealed record ProfileOptions
{
    public static readonly ProfileOptions Default = new();

    /// <summary>Histogram bins for numeric columns profiled without a baseline (default 20).</summary>
    public int Bins { get; init; } = 20;

    /// <summary>Categorical levels kept with their counts (default 20).</summary>
    public int TopK { get; init; } = 20;

    /// <summary>Values sampled for quantiles above which they are approximate (default 100,000).</summary>
    public int QuantileSample { get; init; } = 100_000;

    public void Validate()
    {
        var errors = new List<string>();
        if (Bins is < 1 or > 10_000) errors.Add($"Bins must be between 1 and 10,000 (was {Bins}).");
        if (TopK is < 1 or > 10_000) errors.Add($"TopK must be between 1 and 10,000 (was {TopK}).");
        if (QuantileSample < 100) errors.Add($"QuantileSample must be at least 100 (was {QuantileSample}).");
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid profile options: " + string.Join(" ", errors));
        }
    }
}

/// <summary>How far one feature moved from the baseline, like TFDV's drift comparators.</summary>
/// <param name="Measure"><c>jensen_shannon</c> (numeric, boolean, datetime: divergence of the histograms on the baseline's bins,
/// base 2, 0..1) or <c>l_infinity</c> (categorical: the largest difference in any level's share, 0..1).</param>
public sealed record FeatureDrift(string Column, string Measure, double Value);
