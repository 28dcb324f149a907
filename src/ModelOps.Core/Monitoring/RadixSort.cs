using System.Runtime.InteropServices;

namespace ModelOps.Core.Monitoring;

/// <summary>
/// Ascending in-place sort of doubles without NaN by an LSD radix sort on their bits: the monitor sorts a million-value
/// window per numeric feature each tick, and six linear passes beat Array.Sort's comparisons about fivefold there.
/// </summary>
internal static class RadixSort
{
    private const int Bits = 11;
    private const int Buckets = 1 << Bits;
    private const int Passes = 6; // 6 × 11 ≥ 64 bits
    private const int ComparisonSortBelow = 4096;
    private const ulong SignBit = 1UL << 63;

    public static void Sort(double[] values)
    {
        var n = values.Length;
        if (n < ComparisonSortBelow)
        {
            Array.Sort(values);
            return;
        }
        // Map each double to an unsigned key with the same order: negative numbers flip all bits, the others the sign bit.
        var keys = MemoryMarshal.Cast<double, ulong>(values.AsSpan());
        var counts = new int[Passes * Buckets];
        for (var i = 0; i < n; i++)
        {
            var bits = keys[i];
            var key = (bits & SignBit) != 0 ? ~bits : bits | SignBit;
            keys[i] = key;
            for (var p = 0; p < Passes; p++)
            {
                counts[p * Buckets + (int)((key >> (p * Bits)) & (Buckets - 1))]++;
            }
        }
        var buffer = GC.AllocateUninitializedArray<ulong>(n); // every slot is written before it is read
        Span<ulong> source = keys;
        Span<ulong> target = buffer;
        for (var p = 0; p < Passes; p++)
        {
            var histogram = counts.AsSpan(p * Buckets, Buckets);
            var shift = p * Bits;
            // Every key shares this digit: the pass would only copy.
            if (histogram[(int)((source[0] >> shift) & (Buckets - 1))] == n)
            {
                continue;
            }
            var offset = 0;
            for (var b = 0; b < Buckets; b++)
            {
                var count = histogram[b];
                histogram[b] = offset;
                offset += count;
            }
            for (var i = 0; i < n; i++)
            {
                var key = source[i];
                target[histogram[(int)((key >> shift) & (Buckets - 1))]++] = key;
            }
            var swap = source;
            source = target;
            target = swap;
        }
        if (source != keys)
        {
            source.CopyTo(keys);
        }
        for (var i = 0; i < n; i++)
        {
            var key = keys[i];
            keys[i] = (key & SignBit) != 0 ? key & ~SignBit : ~key;
        }
    }
}
