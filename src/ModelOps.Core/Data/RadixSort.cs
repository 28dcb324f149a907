using System.Buffers;
using System.Runtime.InteropServices;

namespace ModelOps.Core.Data;

/// <summary>
/// Ascending sort of doubles by an LSD radix sort on their bits: the monitor sorts a million-value window per numeric
/// feature each tick, and eight linear passes beat Array.Sort's comparisons several-fold there. Passes whose digit is
/// the same for every key (often the sign and exponent bits) are skipped, and the scratch buffers come from
/// <see cref="ArrayPool{T}.Shared"/>, as fresh 8 MB arrays cost more in page faults than a pass costs in work.
/// </summary>
internal static class RadixSort
{
    // Byte digits: 256 write streams stay in L1 (2,048 did not, and were slower per pass on the 2-core VM despite two
    // fewer passes), and whole bytes of the key are often constant (sign and exponent, low mantissa of rounded data).
    private const int Bits = 8;
    private const int Buckets = 1 << Bits;
    private const int Passes = 8;
    private const int ComparisonSortBelow = 4096;
    private const ulong SignBit = 1UL << 63;
    private const ulong ExponentBits = 0x7FF0_0000_0000_0000UL; // all set: NaN or ±∞

    /// <summary>Sorts values without NaN in place (±∞ allowed).</summary>
    public static void Sort(Span<double> values)
    {
        var n = values.Length;
        if (n < ComparisonSortBelow)
        {
            values.Sort();
            return;
        }
        var keys = MemoryMarshal.Cast<double, ulong>(values);
        var counts = ArrayPool<int>.Shared.Rent(Passes * Buckets);
        var scratch = ArrayPool<double>.Shared.Rent(n);
        try
        {
            Array.Clear(counts, 0, Passes * Buckets);
            for (var i = 0; i < n; i++)
            {
                var key = Key(keys[i]);
                keys[i] = key;
                Count(counts, key);
            }
            var other = MemoryMarshal.Cast<double, ulong>(scratch.AsSpan(0, n));
            if (!SortKeys(keys, other, counts))
            {
                other.CopyTo(keys);
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(counts);
            ArrayPool<double>.Shared.Return(scratch);
        }
    }

    /// <summary>
    /// The finite values of <paramref name="values"/> (NaN and ±∞ skipped), ascending, in the first
    /// <paramref name="count"/> slots of an array rented from <see cref="ArrayPool{T}.Shared"/>; the caller returns it.
    /// Filtering, counting NaN, the key transform and the digit counts share one pass over the input.
    /// </summary>
    public static double[] SortFinite(ReadOnlySpan<double> values, out int count, out int nanCount)
    {
        var n = values.Length;
        var first = ArrayPool<double>.Shared.Rent(Math.Max(n, 1));
        var raw = MemoryMarshal.Cast<double, ulong>(values);
        if (n < ComparisonSortBelow)
        {
            count = 0;
            nanCount = 0;
            foreach (var v in values)
            {
                if (double.IsFinite(v))
                {
                    first[count++] = v;
                }
                else if (double.IsNaN(v))
                {
                    nanCount++;
                }
            }
            first.AsSpan(0, count).Sort();
            return first;
        }
        var second = ArrayPool<double>.Shared.Rent(n);
        var counts = ArrayPool<int>.Shared.Rent(Passes * Buckets);
        try
        {
            Array.Clear(counts, 0, Passes * Buckets);
            var keys = MemoryMarshal.Cast<double, ulong>(first.AsSpan());
            int c = 0, nan = 0;
            foreach (var bits in raw)
            {
                if ((bits & ExponentBits) == ExponentBits)
                {
                    nan += (bits & ~(SignBit | ExponentBits)) != 0 ? 1 : 0; // a mantissa makes it NaN, none ±∞
                    continue;
                }
                var key = Key(bits);
                keys[c++] = key;
                Count(counts, key);
            }
            count = c;
            nanCount = nan;
            var inFirst = SortKeys(keys[..c], MemoryMarshal.Cast<double, ulong>(second.AsSpan(0, c)), counts);
            var (result, spare) = inFirst ? (first, second) : (second, first);
            ArrayPool<double>.Shared.Return(spare);
            return result;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(counts);
        }
    }

    /// <summary>
    /// Sorts the keys in <paramref name="a"/> by the counted digits, ping-ponging with <paramref name="b"/>; the last
    /// pass turns the keys back into doubles as it writes them. True when the doubles ended up in <paramref name="a"/>.
    /// </summary>
    private static bool SortKeys(Span<ulong> a, Span<ulong> b, int[] counts)
    {
        var n = a.Length;
        Span<int> live = stackalloc int[Passes];
        var passes = 0;
        for (var p = 0; p < Passes && n > 0; p++)
        {
            // Every key shares this digit: the pass would only copy.
            if (counts[p * Buckets + Digit(a[0], p)] != n)
            {
                live[passes++] = p;
            }
        }
        if (passes == 0)
        {
            for (var i = 0; i < n; i++)
            {
                a[i] = Bits64(a[i]);
            }
            return true;
        }
        var source = a;
        var target = b;
        for (var k = 0; k < passes; k++)
        {
            var p = live[k];
            var histogram = counts.AsSpan(p * Buckets, Buckets);
            var offset = 0;
            for (var d = 0; d < Buckets; d++)
            {
                var count = histogram[d];
                histogram[d] = offset;
                offset += count;
            }
            var shift = p * Bits;
            if (k == passes - 1)
            {
                for (var i = 0; i < n; i++)
                {
                    var key = source[i];
                    target[histogram[(int)((key >> shift) & (Buckets - 1))]++] = Bits64(key);
                }
            }
            else
            {
                for (var i = 0; i < n; i++)
                {
                    var key = source[i];
                    target[histogram[(int)((key >> shift) & (Buckets - 1))]++] = key;
                }
            }
            var swap = source;
            source = target;
            target = swap;
        }
        return passes % 2 == 0;
    }

    /// <summary>An unsigned key with the order of the double: negative numbers flip all bits, the others the sign bit.</summary>
    private static ulong Key(ulong bits) => (bits & SignBit) != 0 ? ~bits : bits | SignBit;

    /// <summary>The double's bits back from its key.</summary>
    private static ulong Bits64(ulong key) => (key & SignBit) != 0 ? key & ~SignBit : ~key;

    private static int Digit(ulong key, int pass) => (int)((key >> (pass * Bits)) & (Buckets - 1));

    private static void Count(int[] counts, ulong key)
    {
        for (var p = 0; p < Passes; p++)
        {
            counts[p * Buckets + Digit(key, p)]++;
        }
    }
}
