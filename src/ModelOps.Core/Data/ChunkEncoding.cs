using System.Runtime.InteropServices;

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
        for (var i = 0; i < values.Length; i++)
        {
            var m = scaled[i];
            values[i] = m == Missing ? double.NaN : m / power;
        }
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
    private static bool TryScale(ReadOnlySpan<double> values, Span<long> scaled, out int scale)
    {
        scale = 0;
    Restart:
        var power = PowersOf10[scale];
        for (var i = 0; i < values.Length; i++)
        {
            var v = values[i];
            if (double.IsNaN(v))
            {
                scaled[i] = Missing;
                continue;
            }
            var s = v * power;
            if (!(Math.Abs(s) < MaxExact) || (v == 0 && double.IsNegative(v)))
            {
                return false;
            }
            var m = (long)Math.Round(s);
            if (BitConverter.DoubleToInt64Bits(m / power) != BitConverter.DoubleToInt64Bits(v))
            {
                if (++scale > MaxScale) return false;
                goto Restart; // rare: a value with more places than those before it
            }
            scaled[i] = m;
        }
        return true;
    }

    private static (long Baseline, int Width) WidthFor(ReadOnlySpan<long> values, bool reserveMissing)
    {
        long min = long.MaxValue, max = long.MinValue;
        foreach (var v in values)
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
        switch (width)
        {
            case 1:
                for (var i = 0; i < values.Length; i++) target[i] = values[i] == Missing ? byte.MaxValue : (byte)(values[i] - baseline);
                break;
            case 2:
                var shorts = MemoryMarshal.Cast<byte, ushort>(target);
                for (var i = 0; i < values.Length; i++) shorts[i] = values[i] == Missing ? ushort.MaxValue : (ushort)(values[i] - baseline);
                break;
            case 4:
                var ints = MemoryMarshal.Cast<byte, uint>(target);
                for (var i = 0; i < values.Length; i++) ints[i] = values[i] == Missing ? uint.MaxValue : (uint)(values[i] - baseline);
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
        switch (width)
        {
            case 1:
                for (var i = 0; i < values.Length; i++) values[i] = source[i] == byte.MaxValue ? Missing : baseline + source[i];
                break;
            case 2:
                var shorts = MemoryMarshal.Cast<byte, ushort>(source);
                for (var i = 0; i < values.Length; i++) values[i] = shorts[i] == ushort.MaxValue ? Missing : baseline + shorts[i];
                break;
            case 4:
                var ints = MemoryMarshal.Cast<byte, uint>(source);
                for (var i = 0; i < values.Length; i++) values[i] = ints[i] == uint.MaxValue ? Missing : baseline + ints[i];
                break;
            default:
                MemoryMarshal.Cast<byte, long>(source).CopyTo(values);
                break;
        }
    }
}
