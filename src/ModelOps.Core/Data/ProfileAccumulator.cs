using System.Numerics;
using System.Runtime.InteropServices;

namespace ModelOps.Core.Data;

/// <summary>
/// Builds a <see cref="DataProfile"/> chunk by chunk in bounded memory: counts, moments, min/max, a
/// <see cref="QuantileSketch"/> per numeric column, histograms on known edges, and level counts per categorical column.
/// Accumulators merge, so rows seen apart (e.g. kept and rejected rows) profile as one data set.
/// </summary>
public sealed class ProfileAccumulator
{
    /// <summary>Distinct levels counted exactly per column; past it, new levels are counted together (ids, free text).</summary>
    public const int MaxLevels = 100_000;

    private readonly ColumnStats[] _columns;

    /// <param name="baseline">Numeric histograms are counted on the baseline's edges for the columns it has.</param>
    /// <param name="seed">Seeds the quantile sketches; accumulators to be merged need different seeds.</param>
    public ProfileAccumulator(TableSchema schema, ProfileOptions? options = null, DataProfile? baseline = null, ulong seed = 1)
    {
        ArgumentNullException.ThrowIfNull(schema);
        Options = options ?? ProfileOptions.Default;
        Options.Validate();
        Schema = schema;
        _columns = schema.Columns.Select((c, i) => new ColumnStats(c, Options, baseline?.Find(c.Name)?.Histogram?.Edges, seed * 1_000_003UL + (ulong)i)).ToArray();
    }

    public TableSchema Schema { get; }

    public ProfileOptions Options { get; }

    /// <summary>Rows added.</summary>
    public long RowCount { get; private set; }

    /// <summary>Statistics of one column so far.</summary>
    public ColumnStats Column(int column) => _columns[column];

    /// <summary>Adds every row of <paramref name="chunk"/>, whose columns are those of <see cref="Schema"/>.</summary>
    public void Add(Table chunk)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        var parallel = (long)chunk.RowCount * chunk.ColumnCount > 200_000 ? Environment.ProcessorCount : 1;
        Parallel.For(0, _columns.Length, new ParallelOptions { MaxDegreeOfParallelism = parallel }, c => _columns[c].Add(chunk.Column(c)));
        RowCount += chunk.RowCount;
    }

    /// <summary>Adds the rows <paramref name="rows"/> of <paramref name="chunk"/>.</summary>
    public void Add(Table chunk, IReadOnlyList<int> rows)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        ArgumentNullException.ThrowIfNull(rows);
        var parallel = (long)rows.Count * chunk.ColumnCount > 200_000 ? Environment.ProcessorCount : 1;
        var (positions, count) = rows switch
        {
            int[] array => (array, array.Length),
            ArraySegment<int> { Offset: 0 } segment => (segment.Array!, segment.Count), // a data pass's kept rows
            _ => ([.. rows], rows.Count),
        };
        Parallel.For(0, _columns.Length, new ParallelOptions { MaxDegreeOfParallelism = parallel }, c => _columns[c].Add(chunk.Column(c), positions, count));
        RowCount += rows.Count;
    }

    /// <summary>Adds what <paramref name="other"/> (same schema) accumulated.</summary>
    public void Merge(ProfileAccumulator other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Parallel.For(0, _columns.Length, c => _columns[c].Merge(other._columns[c]));
        RowCount += other.RowCount;
    }

    /// <summary>Sorts every column's quantile sample, side by side, for the quantiles asked next.</summary>
    public void SortSamples() => Parallel.ForEach(_columns, c => c.Sketch?.SortedSample());

    /// <summary>The profile of every row added; the same shape as <see cref="Profiler.Profile"/>'s.</summary>
    public DataProfile Build()
    {
        var features = new FeatureProfile[_columns.Length];
        Parallel.For(0, features.Length, c => features[c] = _columns[c].Build());
        return new DataProfile(RowCount, features);
    }
}

/// <summary>The running statistics of one column: see <see cref="ProfileAccumulator"/>.</summary>
public sealed class ColumnStats
{
    private readonly ProfileOptions _options;
    private readonly IReadOnlyList<double>? _edges;
    private readonly long[]? _histogram;
    private readonly LevelTally? _byReference;
    private long _otherLevels;

    internal ColumnStats(ColumnSchema column, ProfileOptions options, IReadOnlyList<double>? edges, ulong seed)
    {
        Column = column;
        _options = options;
        if (column.Kind.IsString())
        {
            _byReference = new LevelTally();
            return;
        }
        Sketch = new QuantileSketch(options.QuantileSample, seed);
        _edges = edges;
        _histogram = edges is null ? null : new long[edges.Count - 1];
    }

    public ColumnSchema Column { get; }

    /// <summary>Present values (finite numbers, non-null strings).</summary>
    public long Count { get; private set; }

    public long Missing { get; private set; }

    public long NonFinite { get; private set; }

    /// <summary>How many of <see cref="NonFinite"/> are +infinity (the others are -infinity).</summary>
    public long PositiveInfinities { get; private set; }

    public double Min { get; private set; } = double.PositiveInfinity;

    public double Max { get; private set; } = double.NegativeInfinity;

    /// <summary>Values equal to 1 (the true count of a boolean column).</summary>
    public long Ones { get; private set; }

    /// <summary>The quantile sketch of a numeric column; null for string columns.</summary>
    public QuantileSketch? Sketch { get; }

    // Sums of values shifted by the first present one keep the variance accurate without a division per value.
    private double _shift = double.NaN;
    private double _sum;
    private double _sumSquares;

    internal void Add(object values) => Add(values, null, ((Array)values).Length);

    /// <summary>Adds the values at the first <paramref name="n"/> of <paramref name="rows"/>, or the first n values when null.</summary>
    internal void Add(object values, int[]? rows, int n)
    {
        if (values is double[] numbers)
        {
            AddNumbers(Present(numbers, rows, n));
            return;
        }
        var strings = (string?[])values;
        string? last = null;
        long run = 0;
        for (var i = 0; i < n; i++)
        {
            var v = strings[rows is null ? i : rows[i]];
            if (v is null) { Missing++; continue; }
            // Runs of the same (pooled) string skip the dictionary.
            if (ReferenceEquals(v, last)) { run++; continue; }
            if (last is not null) AddLevel(last, run);
            last = v;
            run = 1;
        }
        if (last is not null) AddLevel(last, run);
    }

    private double[] _present = [];

    /// <summary>The finite values (of <paramref name="rows"/> only, when given), gathered; missing and infinite ones counted.</summary>
    private ReadOnlySpan<double> Present(double[] values, int[]? rows, int n)
    {
        if (_present.Length < n) _present = new double[Math.Max(BitOperations.RoundUpToPowerOf2((uint)n), 1024)]; // chunks' kept rows vary by a few
        var present = _present;
        int kept = 0, missing = 0, nonFinite = 0, positive = 0;
        for (var i = 0; i < n; i++)
        {
            var v = values[rows is null ? i : rows[i]];
            if (double.IsFinite(v)) present[kept++] = v;
            else if (double.IsNaN(v)) missing++;
            else
            {
                nonFinite++;
                if (v > 0) positive++;
            }
        }
        Missing += missing;
        NonFinite += nonFinite;
        PositiveInfinities += positive;
        return present.AsSpan(0, kept);
    }

    // One pass with the running figures in locals (fields would be loaded and stored for every value).
    private void AddNumbers(ReadOnlySpan<double> values)
    {
        if (values.IsEmpty)
        {
            return;
        }
        if (Count == 0)
        {
            _shift = values[0];
        }
        double shift = _shift, sum = _sum, squares = _sumSquares, min = Min, max = Max;
        long ones = 0;
        foreach (var v in values)
        {
            var d = v - shift;
            sum += d;
            squares += d * d;
            if (v < min) min = v;
            if (v > max) max = v;
            if (v == 1) ones++;
        }
        (_sum, _sumSquares, Min, Max) = (sum, squares, min, max);
        Ones += ones;
        Count += values.Length;
        Sketch!.Add(values);
        if (_histogram is { } counts)
        {
            var bins = new Bins(_edges!);
            foreach (var v in values) counts[bins.Of(v)]++;
        }
    }

    private void AddLevel(string value, long count)
    {
        _sortedLevels = null;
        Count += count;
        var levels = _byReference!;
        if (levels.Count < ProfileAccumulator.MaxLevels)
        {
            levels.Add(value, count);
        }
        else if (!levels.TryAddExisting(value, count))
        {
            _otherLevels += count;
        }
    }

    internal void Merge(ColumnStats other)
    {
        Missing += other.Missing;
        NonFinite += other.NonFinite;
        PositiveInfinities += other.PositiveInfinities;
        if (_byReference is not null)
        {
            var theirs = other._byReference!;
            for (var code = 0; code < theirs.Count; code++) AddLevel(theirs.Level(code), theirs.CountOf(code)); // counts them in Count too
            _otherLevels += other._otherLevels;
            Count += other._otherLevels;
            return;
        }
        if (other.Count > 0)
        {
            if (Count == 0)
            {
                _shift = other._shift;
            }
            // Move the other's shifted sums onto this shift: sum (d + delta) and sum (d + delta)^2.
            var delta = other._shift - _shift;
            _sumSquares += other._sumSquares + 2 * delta * other._sum + other.Count * delta * delta;
            _sum += other._sum + other.Count * delta;
            Count += other.Count;
            Min = Math.Min(Min, other.Min);
            Max = Math.Max(Max, other.Max);
            Ones += other.Ones;
        }
        Sketch!.Merge(other.Sketch!);
        if (_histogram is { } counts)
        {
            for (var i = 0; i < counts.Length; i++) counts[i] += other._histogram![i];
        }
    }

    /// <summary>Distinct levels of a string column (a lower bound once more than <see cref="ProfileAccumulator.MaxLevels"/>
    /// plus every value past it, an upper bound).</summary>
    public long Distinct => SortedLevels().Length + _otherLevels;

    /// <summary>The most frequent level (the first in ordinal order of those tied); null when there is none.</summary>
    public string? MostFrequent => SortedLevels() is [var first, ..] ? first.Value : null;

    /// <summary>Levels with their counts, most frequent first, ties in ordinal order (a copy the caller may change).</summary>
    public List<(string Value, long Count)> LevelCounts() => [.. SortedLevels()];

    // Sorted once for the plan, the outcome and the profile (a column of 100,000 levels took 20-30 ms a sort), again only
    // after more rows come.
    private (string Value, long Count)[]? _sortedLevels;

    private (string Value, long Count)[] SortedLevels()
    {
        if (_sortedLevels is { } sorted)
        {
            return sorted;
        }
        var levels = _byReference!.ByValue().Select(kv => (kv.Key, kv.Value)).ToArray();
        Array.Sort(levels, (a, b) => a.Item2 != b.Item2 ? b.Item2.CompareTo(a.Item2) : string.CompareOrdinal(a.Item1, b.Item1));
        return _sortedLevels = levels;
    }

    /// <summary>The mean of the present values; 0 when there are none.</summary>
    public double Mean => Count == 0 ? 0 : _shift + _sum / Count;

    internal FeatureProfile Build()
    {
        if (Column.Kind.IsString())
        {
            var top = SortedLevels().Take(_options.TopK).Select(l => new CategoryCount(l.Value, l.Count)).ToArray();
            return new FeatureProfile(Column.Name, Column.Kind, Count, Missing,
                TopCategories: top, OtherCount: Count - top.Sum(t => t.Count), Distinct: Distinct);
        }
        if (Count == 0)
        {
            return new FeatureProfile(Column.Name, Column.Kind, 0, Missing, NonFinite,
                Histogram: _edges is null ? null : new Histogram(_edges.ToArray(), new long[_edges.Count - 1]));
        }
        var m2 = Math.Max(0, _sumSquares - _sum * _sum / Count);
        var sample = Sketch!.SortedSample();
        var quantiles = DataProfile.QuantileLevels.Select(q => Profiler.Quantile(sample, q)).ToArray();
        Histogram histogram;
        if (_histogram is { } counts)
        {
            histogram = new Histogram(_edges!.ToArray(), counts.ToArray());
        }
        else
        {
            // Edges from the exact min/max; counts from the sample, scaled to the count (exact while the sketch is).
            var edges = Profiler.EqualEdges(Min, Max, Column.Kind == ColumnKind.Boolean ? 2 : _options.Bins);
            var binned = new long[edges.Length - 1];
            var bins = new Bins(edges);
            foreach (var v in sample) binned[bins.Of(v)]++;
            if (!Sketch.IsExact)
            {
                Scale(binned, Count);
            }
            histogram = new Histogram(edges, binned);
        }
        return new FeatureProfile(Column.Name, Column.Kind, Count, Missing, NonFinite,
            Mean, Count > 1 ? Math.Sqrt(m2 / (Count - 1)) : 0, Min, Max, quantiles, histogram);
    }

    /// <summary>Equal-width bins on known edges, the values the binning needs read from the edges once.</summary>
    private readonly struct Bins(IReadOnlyList<double> edges)
    {
        private readonly int _count = edges.Count - 1;
        private readonly double _low = edges[0];
        private readonly double _perUnit = (edges.Count - 1) / (edges[^1] - edges[0]);

        public int Of(double v)
        {
            var bin = (int)((v - _low) * _perUnit);
            return bin < 0 ? 0 : bin >= _count ? _count - 1 : bin;
        }
    }

    /// <summary>Scales counts to sum to <paramref name="total"/>, largest remainders first, so they stay whole.</summary>
    private static void Scale(long[] counts, long total)
    {
        var sum = counts.Sum();
        if (sum == 0) return;
        var exact = counts.Select(c => c * (double)total / sum).ToArray();
        for (var i = 0; i < counts.Length; i++) counts[i] = (long)Math.Floor(exact[i]);
        var left = total - counts.Sum();
        foreach (var i in Enumerable.Range(0, counts.Length).OrderByDescending(i => exact[i] - Math.Floor(exact[i])).Take((int)left))
        {
            counts[i]++;
        }
    }
}
