using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace ModelOps.Core.Data;

/// <summary>
/// How <see cref="ChunkFile"/> packs a chunk's columns. Whole numbers, decimals with up to nine places, codes and row
/// numbers are written as offsets from the chunk's smallest value in 1, 2 or 4 bytes, whichever holds the range; anything
/// else as the 8 bytes of its double. A decimal is stored as <c>m</c> with <c>m / 10^scale</c> giving back exactly its
/// bits (checked value by value), so what reads back is always bit for bit what was written.
/// </summary>
internal static class ChunkEncoding
{
    /// <summary>Marks a missing value (NaN, a null string) among the longs being packed; packed as the width's largest value.</summary>
    public const long Missing = long.MinValue;

    private const int MaxScale = 9;
    private const double MaxExact = 9007199254740992.0; // 2^53: every whole number below it is a double

    // 1.5 * 2^52: a whole number below 2^51 in magnitude plus this has the same exponent, so the sum's bits minus this
    // one's are the integer, both ways: a conversion between double and long on vectors without AVX-512.
    private const double IntegerMagic = 6755399441055744.0;

    private static ReadOnlySpan<double> PowersOf10 => [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];

    /// <summary>Writes numbers as scaled integers when they all are, else raw.</summary>
    public static void WriteNumbers(BinaryWriter writer, ReadOnlySpan<double> values, ref long[] scratch, ref byte[] bytes)
    {
        if (scratch.Length < values.Length) scratch = new long[Math.Max(values.Length, 1024)];
        var scaled = scratch.AsSpan(0, values.Length);
        if (TryScale(values, scaled, out var scale) && WidthFor(scaled, reserveMissing: true) is { Width: > 0 } packing)
        {
            writer.Write((byte)(scale + 1));
            WritePacked(writer, scaled, packing, ref bytes);
            return;
        }
        writer.Write((byte)0);
        writer.Write(MemoryMarshal.AsBytes(values));
    }

    /// <summary>Reads what <see cref="WriteNumbers"/> wrote into <paramref name="values"/>.</summary>
    public static void ReadNumbers(BinaryReader reader, Span<double> values, ref long[] scratch, ref byte[] bytes)
    {
        var scale = reader.ReadByte() - 1;
        if (scale < 0)
        {
            reader.BaseStream.ReadExactly(MemoryMarshal.AsBytes(values));
            return;
        }
        if (scale > MaxScale) throw new InvalidDataException($"Chunk file: unknown number encoding {scale + 1}.");
        if (scratch.Length < values.Length) scratch = new long[Math.Max(values.Length, 1024)];
        var scaled = scratch.AsSpan(0, values.Length);
        ReadPacked(reader, scaled, ref bytes);
        var power = PowersOf10[scale];
        for (var i = UnscaleBlocks(scaled, values, power); i < values.Length; i++)
        {
            var m = scaled[i];
            values[i] = m == Missing ? double.NaN : m / power;
        }
    }

    /// <summary>The inverse of <see cref="ScaleBlocks"/>: m / power, NaN for <see cref="Missing"/>, a block at a time
    /// while the integers are within ±2^51; returns where it stopped.</summary>
    private static int UnscaleBlocks(ReadOnlySpan<long> scaled, Span<double> values, double power)
    {
        if (!Vector256.IsHardwareAccelerated) return 0;
        var powers = Vector256.Create(power);
        var magic = Vector256.Create(IntegerMagic);
        var limit = Vector256.Create(1L << 51);
        var missing = Vector256.Create(Missing);
        var nan = Vector256.Create(double.NaN);
        ref var source = ref MemoryMarshal.GetReference(scaled);
        ref var target = ref MemoryMarshal.GetReference(values);
        var i = 0;
        for (; i <= values.Length - Vector256<long>.Count; i += Vector256<long>.Count)
        {
            var m = Vector256.LoadUnsafe(ref source, (nuint)i);
            var isMissing = Vector256.Equals(m, missing);
            var inRange = Vector256.LessThan(m, limit) & Vector256.GreaterThan(m, -limit);
            if ((inRange | isMissing) != Vector256<long>.AllBitsSet) break;
            var whole = (m + magic.AsInt64()).AsDouble() - magic;
            var value = power == 1 ? whole : whole / powers;
            Vector256.ConditionalSelect(isMissing.AsDouble(), nan, value).StoreUnsafe(ref target, (nuint)i);
        }
        return i;
    }

    /// <summary>Writes longs (<see cref="Missing"/> allowed) as offsets from their smallest, in the narrowest width.</summary>
    public static void WriteLongs(BinaryWriter writer, ReadOnlySpan<long> values, ref byte[] bytes) =>
        WritePacked(writer, values, WidthFor(values, reserveMissing: true) is { Width: > 0 } packing ? packing : (0, 8), ref bytes);

    /// <summary>Reads what <see cref="WriteLongs"/> wrote.</summary>
    public static void ReadLongs(BinaryReader reader, Span<long> values, ref byte[] bytes) => ReadPacked(reader, values, ref bytes);

    /// <summary>
    /// Finds the smallest scale (power of ten) at which every value is an integer m with m / 10^scale bit-identical to
    /// it, filling <paramref name="scaled"/> with the m (NaN as <see cref="Missing"/>). False for infinities, -0, values of
    /// 2^53 or more once scaled, and more than nine decimal places.
    /// </summary>
    internal static bool TryScale(ReadOnlySpan<double> values, Span<long> scaled, out int scale)
    {
        scale = 0;
        var i = 0;
        while (i < values.Length)
        {
            // Four values at a time while all four scale; a block with a missing value, or one the vectors leave to it,
            // goes value by value.
            i = ScaleBlocks(values, scaled, i, PowersOf10[scale]);
            for (var end = Math.Min(i + Vector256<double>.Count, values.Length); i < end; i++)
            {
                var v = values[i];
                if (double.IsNaN(v))
                {
                    scaled[i] = Missing;
                    continue;
                }
                var power = PowersOf10[scale];
                var s = v * power;
                if (!(Math.Abs(s) < MaxExact) || (v == 0 && double.IsNegative(v)))
                {
                    return false;
                }
                var m = (long)Math.Round(s);
                if (BitConverter.DoubleToInt64Bits(m / power) != BitConverter.DoubleToInt64Bits(v))
                {
                    if (++scale > MaxScale) return false;
                    i = -1; // rare: a value with more places than those before it; all again at the next scale
                    continue;
                }
                scaled[i] = m;
            }
        }
        return true;
    }

    /// <summary>Scales whole blocks from <paramref name="start"/> while every value of a block scales (no NaN, nothing
    /// outside ±2^51, every value exact at <paramref name="power"/>); returns where it stopped.</summary>
    private static int ScaleBlocks(ReadOnlySpan<double> values, Span<long> scaled, int start, double power)
    {
        if (!Vector256.IsHardwareAccelerated) return start;
        var powers = Vector256.Create(power);
        var magic = Vector256.Create(IntegerMagic);
        var limit = Vector256.Create(2251799813685248.0); // 2^51
        var negativeZero = Vector256.Create(long.MinValue);
        ref var source = ref MemoryMarshal.GetReference(values);
        ref var target = ref MemoryMarshal.GetReference(scaled);
        var i = start;
        for (; i <= values.Length - Vector256<double>.Count; i += Vector256<double>.Count)
        {
            var v = Vector256.LoadUnsafe(ref source, (nuint)i);
            var s = v * powers;
            var whole = Vector256.Round(s);
            var back = power == 1 ? whole : whole / powers;
            var good = Vector256.Equals(back.AsInt64(), v.AsInt64())
                & Vector256.LessThan(Vector256.Abs(s), limit).AsInt64() // false for NaN and infinities
                & ~Vector256.Equals(v.AsInt64(), negativeZero);
            if (good != Vector256<long>.AllBitsSet) break;
            ((whole + magic).AsInt64() - magic.AsInt64()).StoreUnsafe(ref target, (nuint)i);
        }
        return i;
    }

    private static (long Baseline, int Width) WidthFor(ReadOnlySpan<long> values, bool reserveMissing)
    {
        long min = long.MaxValue, max = long.MinValue;
        var i = 0;
        if (Vector256.IsHardwareAccelerated && values.Length >= Vector256<long>.Count)
        {
            // Missing is long.MinValue: never the largest, and made the largest for the smallest.
            var missing = Vector256.Create(Missing);
            var largest = Vector256.Create(long.MaxValue);
            var mins = largest;
            var maxes = missing;
            ref var source = ref MemoryMarshal.GetReference(values);
            for (; i <= values.Length - Vector256<long>.Count; i += Vector256<long>.Count)
            {
                var v = Vector256.LoadUnsafe(ref source, (nuint)i);
                mins = Vector256.Min(mins, Vector256.ConditionalSelect(Vector256.Equals(v, missing), largest, v));
                maxes = Vector256.Max(maxes, v);
            }
            for (var lane = 0; lane < Vector256<long>.Count; lane++)
            {
                min = Math.Min(min, mins[lane]);
                max = Math.Max(max, maxes[lane]);
            }
        }
        foreach (var v in values[i..])
        {
            if (v == Missing) continue;
            if (v < min) min = v;
            if (v > max) max = v;
        }
        if (min > max) return (0, 1); // all missing
        if (max - min < 0) return (0, 0); // the range itself overflows a long
        var range = (ulong)(max - min) + (reserveMissing ? 1UL : 0UL);
        return (min, range <= byte.MaxValue ? 1 : range <= ushort.MaxValue ? 2 : range <= uint.MaxValue ? 4 : 0);
    }

    private static void WritePacked(BinaryWriter writer, ReadOnlySpan<long> values, (long Baseline, int Width) packing, ref byte[] bytes)
    {
        var (baseline, width) = packing;
        writer.Write((byte)width);
        writer.Write(baseline);
        var size = values.Length * width;
        if (bytes.Length < size) bytes = new byte[Math.Max(size, 8192)];
        var target = bytes.AsSpan(0, size);
        var packed = width == 8 ? 0 : PackBlocks(values, baseline, width, target);
        switch (width)
        {
            case 1:
                for (var i = packed; i < values.Length; i++) target[i] = values[i] == Missing ? byte.MaxValue : (byte)(values[i] - baseline);
                break;
            case 2:
                var shorts = MemoryMarshal.Cast<byte, ushort>(target);
                for (var i = packed; i < values.Length; i++) shorts[i] = values[i] == Missing ? ushort.MaxValue : (ushort)(values[i] - baseline);
                break;
            case 4:
                var ints = MemoryMarshal.Cast<byte, uint>(target);
                for (var i = packed; i < values.Length; i++) ints[i] = values[i] == Missing ? uint.MaxValue : (uint)(values[i] - baseline);
                break;
            default:
                values.CopyTo(MemoryMarshal.Cast<byte, long>(target));
                break;
        }
        writer.Write(target);
    }

    private static void ReadPacked(BinaryReader reader, Span<long> values, ref byte[] bytes)
    {
        var width = reader.ReadByte();
        var baseline = reader.ReadInt64();
        if (width is not (1 or 2 or 4 or 8)) throw new InvalidDataException($"Chunk file: unknown packing width {width}.");
        var size = values.Length * width;
        if (bytes.Length < size) bytes = new byte[Math.Max(size, 8192)];
        var source = bytes.AsSpan(0, size);
        reader.BaseStream.ReadExactly(source);
        var unpacked = width == 8 ? 0 : UnpackBlocks(source, baseline, width, values);
        switch (width)
        {
            case 1:
                for (var i = unpacked; i < values.Length; i++) values[i] = source[i] == byte.MaxValue ? Missing : baseline + source[i];
                break;
            case 2:
                var shorts = MemoryMarshal.Cast<byte, ushort>(source);
                for (var i = unpacked; i < values.Length; i++) values[i] = shorts[i] == ushort.MaxValue ? Missing : baseline + shorts[i];
                break;
            case 4:
                var ints = MemoryMarshal.Cast<byte, uint>(source);
                for (var i = unpacked; i < values.Length; i++) values[i] = ints[i] == uint.MaxValue ? Missing : baseline + ints[i];
                break;
            default:
                MemoryMarshal.Cast<byte, long>(source).CopyTo(values);
                break;
        }
    }

    /// <summary>
    /// Packs whole blocks of 32 bytes: each value's offset from <paramref name="baseline"/> cut to its low
    /// <paramref name="width"/> bytes (<see cref="Missing"/> as all ones, the width's largest); returns how many values
    /// it packed, leaving the rest to the caller.
    /// </summary>
    private static int PackBlocks(ReadOnlySpan<long> values, long baseline, int width, Span<byte> target)
    {
        if (!Vector256.IsHardwareAccelerated) return 0;
        var baselines = Vector256.Create(baseline);
        ref var source = ref MemoryMarshal.GetReference(values);
        ref var output = ref MemoryMarshal.GetReference(target);
        var block = Vector256<byte>.Count / width;
        var i = 0;
        for (; i <= values.Length - block; i += block)
        {
            switch (width)
            {
                case 4:
                    Ints(ref source, i, baselines).StoreUnsafe(ref Unsafe.As<byte, uint>(ref output), (nuint)i);
                    break;
                case 2:
                    Shorts(ref source, i, baselines).StoreUnsafe(ref Unsafe.As<byte, ushort>(ref output), (nuint)i);
                    break;
                default:
                    Vector256.Narrow(Shorts(ref source, i, baselines), Shorts(ref source, i + 16, baselines)).StoreUnsafe(ref output, (nuint)i);
                    break;
            }
        }
        return i;
    }

    // Sixteen offsets from source[at..] as 16-bit values.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<ushort> Shorts(ref long source, int at, Vector256<long> baselines) =>
        Vector256.Narrow(Ints(ref source, at, baselines), Ints(ref source, at + 8, baselines));

    // Eight offsets from source[at..] as 32-bit values.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Ints(ref long source, int at, Vector256<long> baselines) =>
        Vector256.Narrow(Offsets(ref source, at, baselines), Offsets(ref source, at + 4, baselines));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<ulong> Offsets(ref long source, int at, Vector256<long> baselines)
    {
        var v = Vector256.LoadUnsafe(ref source, (nuint)at);
        return Vector256.ConditionalSelect(Vector256.Equals(v, Vector256.Create(Missing)), Vector256<long>.AllBitsSet, v - baselines).AsUInt64();
    }

    /// <summary>The inverse of <see cref="PackBlocks"/>, whole blocks of 32 bytes; returns how many values it unpacked.</summary>
    private static int UnpackBlocks(ReadOnlySpan<byte> source, long baseline, int width, Span<long> values)
    {
        if (!Vector256.IsHardwareAccelerated) return 0;
        var baselines = Vector256.Create(baseline);
        var largest = Vector256.Create(width == 4 ? uint.MaxValue : width == 2 ? ushort.MaxValue : (ulong)byte.MaxValue);
        ref var input = ref MemoryMarshal.GetReference(source);
        ref var target = ref MemoryMarshal.GetReference(values);
        var block = Vector256<byte>.Count / width;
        var i = 0;
        for (; i <= values.Length - block; i += block)
        {
            switch (width)
            {
                case 4:
                    Restore(Vector256.LoadUnsafe(ref Unsafe.As<byte, uint>(ref input), (nuint)i), ref target, i, baselines, largest);
                    break;
                case 2:
                    RestoreShorts(Vector256.LoadUnsafe(ref Unsafe.As<byte, ushort>(ref input), (nuint)i), ref target, i, baselines, largest);
                    break;
                default:
                    var (low, high) = Vector256.Widen(Vector256.LoadUnsafe(ref input, (nuint)i));
                    RestoreShorts(low, ref target, i, baselines, largest);
                    RestoreShorts(high, ref target, i + 16, baselines, largest);
                    break;
            }
        }
        return i;
    }

    // Sixteen offsets back to values at target[at..at + 16].
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RestoreShorts(Vector256<ushort> offsets, ref long target, int at, Vector256<long> baselines, Vector256<ulong> largest)
    {
        var (low, high) = Vector256.Widen(offsets);
        Restore(low, ref target, at, baselines, largest);
        Restore(high, ref target, at + 8, baselines, largest);
    }

    // Eight offsets back to values at target[at..at + 8].
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Restore(Vector256<uint> offsets, ref long target, int at, Vector256<long> baselines, Vector256<ulong> largest)
    {
        var (low, high) = Vector256.Widen(offsets);
        Values(low, baselines, largest).StoreUnsafe(ref target, (nuint)at);
        Values(high, baselines, largest).StoreUnsafe(ref target, (nuint)(at + 4));
    }

    // Four offsets back to values: the width's largest is Missing.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<long> Values(Vector256<ulong> offsets, Vector256<long> baselines, Vector256<ulong> largest) =>
        Vector256.ConditionalSelect(Vector256.Equals(offsets, largest).AsInt64(), Vector256.Create(Missing), offsets.AsInt64() + baselines);
}
