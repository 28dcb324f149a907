using System.Buffers;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using ModelOps.Core.Data;

namespace ModelOps.Core.Tests.Data;

/// <summary>Columns for the radix sort: long enough to take the radix path, with the doubles that break bit tricks.</summary>
public static class SortArbitraries
{
    private static readonly double[] Special =
    [
        0.0, -0.0, double.Epsilon, -double.Epsilon, 2.2250738585072014E-308 /* smallest normal */, 1e-320, -1e-320,
        double.MaxValue, double.MinValue, 1.0, -1.0, double.NaN, double.PositiveInfinity, double.NegativeInfinity,
    ];

    private static Gen<double> Value() =>
        Gen.Frequency(
            (2, Gen.Elements(Special)),
            (3, ArbMap.Default.GeneratorFor<double>()),
            (3, Gen.Choose(-1_000_000, 1_000_000).Select(i => i / 64.0)), // shared low bytes: passes to skip
            (2, ArbMap.Default.GeneratorFor<long>().Select(BitConverter.Int64BitsToDouble)), // any bit pattern, subnormals too
            (2, Gen.Choose(0, 3).Select(i => 100.0 + i))); // ties

    public static Arbitrary<double[]> Columns() =>
        Gen.Choose(0, 12_000).SelectMany(n => Gen.ArrayOf(Value(), n)).ToArbitrary();
}

public sealed class RadixSortTests
{
    [Property(MaxTest = 60, Arbitrary = [typeof(SortArbitraries)])]
    public bool SortFinite_returns_the_finite_values_in_Array_Sort_order_and_counts_NaN(double[] column)
    {
        var expected = column.Where(double.IsFinite).ToArray();
        Array.Sort(expected);

        var sorted = RadixSort.SortFinite(column, out var count, out var nan);
        try
        {
            // -0.0 and 0.0 are equal to Array.Sort, so either order is right; the same values must come back bit for bit.
            var got = sorted.AsSpan(0, count);
            return count == expected.Length
                && nan == column.Count(double.IsNaN)
                && got.SequenceEqual(expected)
                && SameBits(got.ToArray(), expected);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(sorted);
        }
    }

    [Property(MaxTest = 60, Arbitrary = [typeof(SortArbitraries)])]
    public bool Sort_in_place_matches_Array_Sort_on_values_without_NaN(double[] column)
    {
        var values = column.Where(v => !double.IsNaN(v)).ToArray();
        var expected = values.ToArray();
        Array.Sort(expected);

        RadixSort.Sort(values);

        return values.AsSpan().SequenceEqual(expected) && SameBits(values, expected);
    }

    [Fact]
    public void A_column_of_one_repeated_value_skips_every_pass_and_still_comes_back_whole()
    {
        var column = Enumerable.Repeat(42.5, 10_000).Append(double.NaN).Append(double.PositiveInfinity).ToArray();

        var sorted = RadixSort.SortFinite(column, out var count, out var nan);

        Assert.Equal((10_000, 1), (count, nan));
        Assert.All(sorted.AsSpan(0, count).ToArray(), v => Assert.Equal(42.5, v));
        ArrayPool<double>.Shared.Return(sorted);
    }

    private static bool SameBits(double[] a, double[] b) =>
        a.Select(BitConverter.DoubleToInt64Bits).Order().SequenceEqual(b.Select(BitConverter.DoubleToInt64Bits).Order());
}
