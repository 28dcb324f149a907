using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ModelOps.Core.Data;

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

/// <summary>
/// A numeric column of the window: its finite values sorted, and counts of NaN and ±∞. The sorted values live in an
/// array rented from <see cref="ArrayPool{T}.Shared"/> (a million-row window is 8 MB per feature, every tick);
/// <see cref="Dispose"/> gives it back, after which <see cref="Sorted"/> must not be used.
/// </summary>
internal sealed class NumericWindow : FeatureWindow, IDisposable
{
    private double[]? _buffer;
    private readonly int _count;

    private NumericWindow(double[] buffer, int count, int missing, int infinite)
    {
        _buffer = buffer;
        _count = count;
        MissingCount = missing;
        InfiniteCount = infinite;
    }

    /// <summary>Finite values, ascending.</summary>
    public ReadOnlySpan<double> Sorted => (_buffer ?? throw new ObjectDisposedException(nameof(NumericWindow))).AsSpan(0, _count);

    /// <summary>±∞ values; excluded from drift tests, counted as out of domain.</summary>
    public int InfiniteCount { get; }

    public override int MissingCount { get; }

    public override int Rows => _count + MissingCount + InfiniteCount;

    public static NumericWindow From(ReadOnlySpan<double> values)
    {
        var sorted = RadixSort.SortFinite(values, out var count, out var missing);
        return new NumericWindow(sorted, count, missing, values.Length - count - missing);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _buffer, null) is { } buffer)
        {
            ArrayPool<double>.Shared.Return(buffer);
        }
    }
}

/// <summary>A categorical column of the window: how often each level occurred, and how often the value was missing.</summary>
internal sealed class CategoricalWindow(Dictionary<string, int> counts, int missing, int rows) : FeatureWindow
{
    private const int CacheSize = 256;

    public Dictionary<string, int> Counts { get; } = counts;

    public override int MissingCount { get; } = missing;

    public override int Rows { get; } = rows;

    public int PresentCount => Rows - MissingCount;

    public static CategoricalWindow From(ReadOnlySpan<string?> values)
    {
        // Columns read from traffic hold one string instance per level, so most rows are found in a small cache keyed by
        // reference (no hashing of the text); other strings fall through to the ordinal dictionary, which merges equal
        // text from different instances.
        var levels = new Dictionary<string, int>(StringComparer.Ordinal);
        var tallies = new List<int>();
        var cachedKeys = new string?[CacheSize];
        var cachedLevels = new int[CacheSize];
        var missing = 0;
        foreach (var v in values)
        {
            if (v is null)
            {
                missing++;
                continue;
            }
            var slot = RuntimeHelpers.GetHashCode(v) & (CacheSize - 1);
            if (ReferenceEquals(cachedKeys[slot], v))
            {
                CollectionsMarshal.AsSpan(tallies)[cachedLevels[slot]]++;
                continue;
            }
            ref var level = ref CollectionsMarshal.GetValueRefOrAddDefault(levels, v, out var known);
            if (!known)
            {
                level = tallies.Count;
                tallies.Add(0);
            }
            CollectionsMarshal.AsSpan(tallies)[level]++;
            cachedKeys[slot] = v;
            cachedLevels[slot] = level;
        }
        var counts = new Dictionary<string, int>(levels.Count, StringComparer.Ordinal);
        foreach (var (text, level) in levels)
        {
            counts[text] = tallies[level];
        }
        return new CategoricalWindow(counts, missing, values.Length);
    }
}
