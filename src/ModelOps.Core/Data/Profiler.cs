namespace ModelOps.Core.Data;

/// <summary>Computes <see cref="DataProfile"/>s and drift between them. Every statistic is one or two passes over a column.</summary>
public static class Profiler
{
    public const string JensenShannon = "jensen_shannon";
    public const string LInfinity = "l_infinity";

    /// <summary>Profiles every column of <paramref name="table"/>.</summary>
    /// <param name="baseline">When given, numeric histograms use the baseline's bin edges for the columns it has, so that
    /// <see cref="Drift"/> compares like with like.</param>
    public static DataProfile Profile(Table table, ProfileOptions? options = null, DataProfile? baseline = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        options ??= ProfileOptions.Default;
        options.Validate();
        var features = new FeatureProfile[table.ColumnCount];
        Parallel.For(0, table.ColumnCount, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, c =>
        {
            var column = table.Schema.Columns[c];
            var edges = baseline?.Find(column.Name)?.Histogram?.Edges;
            features[c] = column.Kind.IsString()
                ? ProfileStrings(column, table.Categorical(c), options)
                : ProfileNumbers(column, table.Numeric(c), options, edges);
        });
        return new DataProfile(table.RowCount, features);
    }

    /// <summary>
    /// Drift of <paramref name="current"/> against <paramref name="baseline"/> for every feature both have with the same
    /// storage: Jensen-Shannon divergence on histograms (profile <paramref name="current"/> with the baseline so the bins
    /// match) and L-infinity distance on categorical shares.
    /// </summary>
    public static IReadOnlyList<FeatureDrift> Drift(DataProfile baseline, DataProfile current)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(current);
        var drifts = new List<FeatureDrift>();
        foreach (var now in current.Features)
        {
            var before = baseline.Find(now.Name);
            if (before is null || before.Kind.IsString() != now.Kind.IsString())
            {
                continue;
            }
            if (now.Kind.IsString())
            {
                drifts.Add(new FeatureDrift(now.Name, LInfinity, LInfinityDistance(before, now)));
            }
            else if (before.Histogram is { } b && now.Histogram is { } n && b.Edges.SequenceEqual(n.Edges) && b.Counts.Count == n.Counts.Count)
            {
                drifts.Add(new FeatureDrift(now.Name, JensenShannon, JensenShannonDivergence(b.Counts, n.Counts)));
            }
        }
        return drifts;
    }

    /// <summary>Jensen-Shannon divergence (base 2, in 0..1) of two count vectors over the same bins; 0 when either is empty.</summary>
    public static double JensenShannonDivergence(IReadOnlyList<long> p, IReadOnlyList<long> q)
    {
        double sp = p.Sum(), sq = q.Sum();
        if (sp == 0 || sq == 0)
        {
            return 0;
        }
        double js = 0;
        for (var i = 0; i < p.Count; i++)
        {
            var a = p[i] / sp;
            var b = q[i] / sq;
            var m = (a + b) / 2;
            if (a > 0) js += 0.5 * a * Math.Log2(a / m);
            if (b > 0) js += 0.5 * b * Math.Log2(b / m);
        }
        return Math.Clamp(js, 0, 1);
    }

    /// <summary>The largest absolute difference in share of any level; levels outside the top-k lists are compared as one "other" level.</summary>
    public static double LInfinityDistance(FeatureProfile baseline, FeatureProfile current)
    {
        double nb = baseline.Count, nc = current.Count;
        if (nb == 0 || nc == 0)
        {
            return 0;
        }
        var b = (baseline.TopCategories ?? []).ToDictionary(x => x.Value, x => x.Count / nb, StringComparer.Ordinal);
        var c = (current.TopCategories ?? []).ToDictionary(x => x.Value, x => x.Count / nc, StringComparer.Ordinal);
        var otherB = baseline.OtherCount / nb;
        var otherC = current.OtherCount / nc;
        var max = 0.0;
        foreach (var level in b.Keys.Union(c.Keys))
        {
            var inB = b.TryGetValue(level, out var x);
            var inC = c.TryGetValue(level, out var y);
            // A level in one top-k list but not the other counts as 0 on the other side (it is in that side's "other").
            max = Math.Max(max, Math.Abs((inB ? x : 0) - (inC ? y : 0)));
        }
        return Math.Max(max, Math.Abs(otherB - otherC));
    }

    internal static FeatureProfile ProfileNumbers(ColumnSchema column, double[] values, ProfileOptions options, IReadOnlyList<double>? edges)
    {
        long count = 0, missing = 0, nonFinite = 0;
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        // Sums of values shifted by the first present one keep the variance accurate without a division per value.
        double shift = double.NaN, sum = 0, sumSquares = 0;
        foreach (var v in values)
        {
            if (double.IsNaN(v)) { missing++; continue; }
            if (double.IsInfinity(v)) { nonFinite++; continue; }
            if (count++ == 0) shift = v;
            var d = v - shift;
            sum += d;
            sumSquares += d * d;
            if (v < min) min = v;
            if (v > max) max = v;
        }
        var mean = count == 0 ? 0 : shift + sum / count;
        var m2 = Math.Max(0, sumSquares - sum * sum / Math.Max(1, count));
        if (count == 0)
        {
            return new FeatureProfile(column.Name, column.Kind, 0, missing, nonFinite,
                Histogram: edges is null ? null : new Histogram(edges, new long[edges.Count - 1]));
        }
        var histogram = BuildHistogram(values, edges ?? EqualEdges(min, max, column.Kind == ColumnKind.Boolean ? 2 : options.Bins));
        return new FeatureProfile(column.Name, column.Kind, count, missing, nonFinite,
            mean, count > 1 ? Math.Sqrt(m2 / (count - 1)) : 0, min, max,
            Quantiles(values, count, options.QuantileSample), histogram);
    }

    internal static FeatureProfile ProfileStrings(ColumnSchema column, string?[] values, ProfileOptions options)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        long missing = 0;
        string? last = null;
        long lastCount = 0;
        foreach (var v in values)
        {
            if (v is null) { missing++; continue; }
            // Runs of the same (pooled) string skip the dictionary.
            if (ReferenceEquals(v, last)) { lastCount++; continue; }
            if (last is not null) { counts[last] = counts.GetValueOrDefault(last) + lastCount; }
            last = v;
            lastCount = 1;
        }
        if (last is not null) { counts[last] = counts.GetValueOrDefault(last) + lastCount; }
        var present = values.Length - missing;
        var top = counts.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).Take(options.TopK)
            .Select(kv => new CategoryCount(kv.Key, kv.Value)).ToArray();
        return new FeatureProfile(column.Name, column.Kind, present, missing,
            TopCategories: top, OtherCount: present - top.Sum(t => t.Count), Distinct: counts.Count);
    }

    internal static double[] EqualEdges(double min, double max, int bins)
    {
        if (!(max > min))
        {
            return [min - 0.5, min + 0.5];
        }
        var edges = new double[bins + 1];
        for (var i = 0; i <= bins; i++)
        {
            edges[i] = min + (max - min) * i / bins;
        }
        edges[bins] = max;
        return edges;
    }

    private static Histogram BuildHistogram(double[] values, IReadOnlyList<double> edges)
    {
        var bins = edges.Count - 1;
        var counts = new long[bins];
        double lo = edges[0], hi = edges[^1];
        var scale = bins / (hi - lo);
        foreach (var v in values)
        {
            if (!double.IsFinite(v)) continue;
            var bin = (int)((v - lo) * scale);
            counts[bin < 0 ? 0 : bin >= bins ? bins - 1 : bin]++;
        }
        return new Histogram(edges.ToArray(), counts);
    }

    /// <summary>Quantiles at <see cref="DataProfile.QuantileLevels"/>, exact up to <paramref name="sample"/> values.</summary>
    internal static double[] Quantiles(double[] values, long present, int sample)
    {
        var step = Math.Max(1, (int)(present / sample));
        var picked = new List<double>((int)Math.Min(present, sample) + 1);
        var seen = 0L;
        foreach (var v in values)
        {
            if (!double.IsFinite(v)) continue;
            if (seen++ % step == 0) picked.Add(v);
        }
        picked.Sort();
        return DataProfile.QuantileLevels.Select(q => Quantile(picked, q)).ToArray();
    }

    /// <summary>Linear interpolation between closest ranks (pandas' default) on sorted values.</summary>
    internal static double Quantile(IReadOnlyList<double> sorted, double q)
    {
        if (sorted.Count == 0) return double.NaN;
        var position = q * (sorted.Count - 1);
        var low = (int)Math.Floor(position);
        var high = Math.Min(low + 1, sorted.Count - 1);
        return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
    }
}
