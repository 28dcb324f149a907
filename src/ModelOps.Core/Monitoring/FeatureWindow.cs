namespace ModelOps.Core.Monitoring;

/// <summary>One feature's values in the traffic window, summarised once so that drift and quality checks share the work.</summary>
internal abstract class FeatureWindow
{
    /// <summary>Rows in the window, missing values included.</summary>
    public abstract int Rows { get; }

    /// <summary>Rows whose value is missing (NaN or null).</summary>
    public abstract int MissingCount { get; }

    /// <summary>The summary of a raw column: <c>double[]</c> (NaN missing) or <c>string?[]</c> (null missing).</summary>
    public static FeatureWindow From(object column) => column switch
    {
        double[] d => NumericWindow.From(d),
        string?[] s => CategoricalWindow.From(s),
        _ => throw new ArgumentException($"A window column must be double[] or string?[], not {column?.GetType().Name ?? "null"}."),
    };
}

/// <summary>A numeric column of the window: its finite values sorted, and counts of NaN and ±∞.</summary>
internal sealed class NumericWindow(double[] sorted, int missing, int infinite) : FeatureWindow
{
    /// <summary>Finite values, ascending.</summary>
    public double[] Sorted { get; } = sorted;

    /// <summary>±∞ values; excluded from drift tests, counted as out of domain.</summary>
    public int InfiniteCount { get; } = infinite;

    public override int MissingCount { get; } = missing;

    public override int Rows => Sorted.Length + MissingCount + InfiniteCount;

    public static NumericWindow From(ReadOnlySpan<double> values)
    {
        var finite = GC.AllocateUninitializedArray<double>(values.Length); // only the first count slots are kept
        int count = 0, missing = 0, infinite = 0;
        foreach (var v in values)
        {
            if (double.IsFinite(v))
            {
                finite[count++] = v;
            }
            else if (double.IsNaN(v))
            {
                missing++;
            }
            else
            {
                infinite++;
            }
        }
        Array.Resize(ref finite, count);
        RadixSort.Sort(finite);
        return new NumericWindow(finite, missing, infinite);
    }
}

/// <summary>A categorical column of the window: how often each level occurred, and how often the value was missing.</summary>
internal sealed class CategoricalWindow(Dictionary<string, int> counts, int missing, int rows) : FeatureWindow
{
    public Dictionary<string, int> Counts { get; } = counts;

    public override int MissingCount { get; } = missing;

    public override int Rows { get; } = rows;

    public int PresentCount => Rows - MissingCount;

    public static CategoricalWindow From(ReadOnlySpan<string?> values)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var missing = 0;
        foreach (var v in values)
        {
            if (v is null)
            {
                missing++;
                continue;
            }
            System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(counts, v, out _)++;
        }
        return new CategoricalWindow(counts, missing, values.Length);
    }
}
