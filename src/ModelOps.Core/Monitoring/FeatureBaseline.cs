using ModelOps.Core.Data;

namespace ModelOps.Core.Monitoring;

/// <summary>What drift detection keeps of one feature from the training data: the reference its traffic is compared with.</summary>
public abstract class FeatureBaseline
{
    private protected FeatureBaseline(string name, long missingCount)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentOutOfRangeException.ThrowIfNegative(missingCount);
        Name = name;
        MissingCount = missingCount;
    }

    /// <summary>The column name, matched case-insensitively against the traffic window.</summary>
    public string Name { get; }

    /// <summary>Rows of the reference where the value was missing.</summary>
    public long MissingCount { get; }

    /// <summary>Rows of the reference with a value.</summary>
    public abstract long PresentCount { get; }

    /// <summary>Share of reference rows with a missing value.</summary>
    public double NullRate => PresentCount + MissingCount == 0 ? 0 : (double)MissingCount / (PresentCount + MissingCount);
}

/// <summary>
/// A numeric feature's reference: an ascending sample of its finite values (KS and Wasserstein need the values, not a
/// summary), its range and spread, and the PSI histogram.
/// </summary>
public sealed class NumericBaseline : FeatureBaseline
{
    private NumericBaseline(string name, double[] sorted, long missingCount, double[] binEdges, double[] binProportions)
        : base(name, missingCount)
    {
        SortedValues = sorted;
        BinEdges = binEdges;
        BinProportions = binProportions;
        if (sorted.Length > 0)
        {
            Min = sorted[0];
            Max = sorted[^1];
            // Two passes: the mean first, then the spread around it, as np.std (ddof = 0) does.
            var sum = 0.0;
            foreach (var v in sorted)
            {
                sum += v;
            }
            Mean = sum / sorted.Length;
            var squares = 0.0;
            foreach (var v in sorted)
            {
                var d = v - Mean;
                squares += d * d;
            }
            StandardDeviation = Math.Sqrt(squares / sorted.Length);
        }
        else
        {
            Min = Max = Mean = StandardDeviation = double.NaN;
        }
    }

    /// <summary>The reference sample's finite values, ascending.</summary>
    public double[] SortedValues { get; }

    public override long PresentCount => SortedValues.Length;

    public double Min { get; }

    public double Max { get; }

    public double Mean { get; }

    /// <summary>Population standard deviation (ddof = 0), the divisor of the normalised Wasserstein distance.</summary>
    public double StandardDeviation { get; }

    /// <summary>Interior PSI bin edges: bin k is [edge_{k-1}, edge_k), the first and last bins open to ±∞.</summary>
    public double[] BinEdges { get; }

    /// <summary>Share of the reference in each PSI bin (one more than <see cref="BinEdges"/>).</summary>
    public double[] BinProportions { get; }

    /// <summary>
    /// A baseline from raw reference values (NaN and ±∞ count as missing), with <paramref name="psiBins"/> equal-width
    /// PSI bins over the sample's range.
    /// </summary>
    public static NumericBaseline FromSample(string name, ReadOnlySpan<double> values, int psiBins = 10)
    {
        var finite = new double[values.Length];
        var count = 0;
        foreach (var v in values)
        {
            if (double.IsFinite(v))
            {
                finite[count++] = v;
            }
        }
        Array.Resize(ref finite, count);
        RadixSort.Sort(finite);
        var edges = finite.Length == 0 ? [] : PopulationStability.EqualWidthEdges(finite[0], finite[^1], psiBins);
        return new NumericBaseline(name, finite, values.Length - count, edges, PopulationStability.BinProportionsSorted(finite, edges));
    }

    /// <summary>
    /// A baseline from a stored profile: a sample of finite values (any order), the missing count over the full training
    /// data, and optionally the profile's own histogram (interior edges and counts, counts one longer than edges).
    /// Without a histogram, equal-width bins over the sample are used.
    /// </summary>
    public static NumericBaseline FromProfile(
        string name, ReadOnlySpan<double> sample, long missingCount, IReadOnlyList<double>? binEdges = null, IReadOnlyList<long>? binCounts = null, int psiBins = 10)
    {
        var sorted = sample.ToArray();
        foreach (var v in sorted)
        {
            if (!double.IsFinite(v))
            {
                throw new ArgumentException($"The sample of '{name}' holds a missing or infinite value; pass finite values only.", nameof(sample));
            }
        }
        Array.Sort(sorted);
        if (binEdges is null || binCounts is null)
        {
            var edges = sorted.Length == 0 ? [] : PopulationStability.EqualWidthEdges(sorted[0], sorted[^1], psiBins);
            return new NumericBaseline(name, sorted, missingCount, edges, PopulationStability.BinProportionsSorted(sorted, edges));
        }
        if (binCounts.Count != binEdges.Count + 1)
        {
            throw new ArgumentException($"A histogram with {binEdges.Count} interior edges needs {binEdges.Count + 1} counts, not {binCounts.Count}.", nameof(binCounts));
        }
        var total = 0L;
        foreach (var c in binCounts)
        {
            total += c;
        }
        var proportions = new double[binCounts.Count];
        for (var i = 0; i < proportions.Length; i++)
        {
            proportions[i] = total == 0 ? 0 : (double)binCounts[i] / total;
        }
        return new NumericBaseline(name, sorted, missingCount, [.. binEdges], proportions);
    }
}

/// <summary>A categorical feature's reference: how often each level occurred, and how often the value was missing.</summary>
public sealed class CategoricalBaseline : FeatureBaseline
{
    private CategoricalBaseline(string name, Dictionary<string, long> counts, long missingCount)
        : base(name, missingCount)
    {
        Counts = counts;
        var present = 0L;
        foreach (var c in counts.Values)
        {
            present += c;
        }
        PresentCount = present;
    }

    /// <summary>Occurrences of each level (ordinal, case-sensitive).</summary>
    public IReadOnlyDictionary<string, long> Counts { get; }

    public override long PresentCount { get; }

    /// <summary>A baseline from raw reference values; null is missing.</summary>
    public static CategoricalBaseline FromSample(string name, ReadOnlySpan<string?> values)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        var missing = 0L;
        foreach (var v in values)
        {
            if (v is null)
            {
                missing++;
            }
            else
            {
                counts[v] = counts.GetValueOrDefault(v) + 1;
            }
        }
        return new CategoricalBaseline(name, counts, missing);
    }

    /// <summary>A baseline from stored level counts (e.g. a profile's categories with their counts).</summary>
    public static CategoricalBaseline FromCounts(string name, IEnumerable<KeyValuePair<string, long>> counts, long missingCount)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var copy = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (level, count) in counts)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(count);
            copy[level] = copy.GetValueOrDefault(level) + count;
        }
        return new CategoricalBaseline(name, copy, missingCount);
    }
}

/// <summary>The baselines of a model's features and, optionally, of its output, for one monitor tick.</summary>
public sealed record DriftBaseline(IReadOnlyList<FeatureBaseline> Features, FeatureBaseline? Prediction = null);
