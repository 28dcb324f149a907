using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using ModelOps.Core.Data;

namespace ModelOps.Core.Tests.Data;

/// <summary>Column values as data files give them: decimals with a few places, whole numbers, flags, and the awkward ones.</summary>
public static class ChunkColumns
{
    public static Arbitrary<double[]> Numbers() =>
        (from n in Gen.Choose(0, 3000)
         from places in Gen.Choose(0, 9) // a column's values have up to so many places (a price 2, a ratio 4)
         from magnitude in Gen.Elements(1, 100, 30_000, 2_000_000)
         from clean in Gen.Elements(true, false) // only values that pack, or some that cannot
         from values in Gen.ArrayOf(clean ? Packable(places, magnitude) : Any, n)
         select values).ToArbitrary();

    private static Gen<double> Packable(int places, int magnitude) =>
        Gen.Frequency(
            (8, from whole in Gen.Choose(-magnitude, magnitude)
                from fraction in Gen.Choose(0, 999_999_999)
                from fewer in Gen.Choose(0, places)
                select double.Parse($"{whole}.{fraction.ToString(CultureInfo.InvariantCulture).PadLeft(9, '0')[..fewer]}0", CultureInfo.InvariantCulture)),
            (1, Gen.Constant(double.NaN)));

    private static readonly Gen<double> Any =
        Gen.Frequency(
                (6, from places in Gen.Choose(0, 10)
                    from whole in Gen.Choose(-2_000_000, 2_000_000)
                    from fraction in Gen.Choose(0, 999_999_999)
                    select double.Parse($"{whole}.{fraction.ToString(CultureInfo.InvariantCulture).PadLeft(10, '0')[..places]}0", CultureInfo.InvariantCulture)),
                (2, Gen.Choose(0, 1).Select(b => (double)b)),
                (1, Gen.Elements(double.NaN, -0.0, 0.0, double.PositiveInfinity, double.NegativeInfinity, double.Epsilon, 1e300, -1e-300,
                    9007199254740993.0, long.MaxValue, long.MinValue, 0.1 + 0.2)),
                (1, Gen.Choose(int.MinValue, int.MaxValue).Two().Select(p => BitConverter.Int64BitsToDouble(((long)p.Item1 << 32) | (uint)p.Item2))));
}

public sealed class ChunkFileProperties
{
    [Property(MaxTest = 300, Arbitrary = [typeof(ChunkColumns)])]
    public void Numbers_strings_and_row_numbers_read_back_bit_for_bit(double[] numbers, bool select)
    {
        var schema = new TableSchema([new ColumnSchema("x", ColumnKind.Numeric), new ColumnSchema("c", ColumnKind.Categorical)]);
        var levels = numbers.Length % 7 == 0 ? 300 : 5; // more than a byte's worth of codes now and then
        var strings = numbers.Select((_, i) => i % 11 == 3 ? null : $"level{i * 31 % levels}").ToArray();
        var rowNumbers = numbers.Select((_, i) => 2L + i * (i % 5 == 0 ? 1_000_003L : 1L)).ToArray();
        var rows = select ? Enumerable.Range(0, numbers.Length).Where(i => i % 3 != 1).ToArray() : null;

        using var stream = new MemoryStream();
        using (var writer = ChunkFile.CreateWriter(stream, schema))
        {
            writer.Write(new Table(schema, [numbers, strings]), rowNumbers, rows);
            writer.Complete();
        }
        stream.Position = 0;
        var (back, backRows) = ChunkFile.ReadTableWithRowNumbers(stream);

        var expected = rows ?? Enumerable.Range(0, numbers.Length).ToArray();
        Assert.Equal(expected.Select(i => BitConverter.DoubleToInt64Bits(numbers[i])), back.Numeric(0).Select(BitConverter.DoubleToInt64Bits));
        Assert.Equal(expected.Select(i => strings[i]), back.Categorical(1));
        Assert.Equal(expected.Select(i => rowNumbers[i]), backRows);
    }

    /// <summary>Columns left out are read past, strings or numbers, chunk after chunk; the others read as a full read has them.</summary>
    [Property(MaxTest = 100, Arbitrary = [typeof(ChunkColumns)])]
    public void Columns_left_out_are_read_past_and_the_rest_read_as_in_full(double[] numbers, bool leaveOutNumbers, bool leaveOutIds)
    {
        var schema = new TableSchema([new ColumnSchema("x", ColumnKind.Numeric), new ColumnSchema("Id", ColumnKind.Categorical),
            new ColumnSchema("c", ColumnKind.Categorical), new ColumnSchema("y", ColumnKind.Numeric)]);
        var ids = numbers.Select((_, i) => i % 13 == 5 ? null : $"order-{i}-é{new string('x', i % 200)}").ToArray(); // lengths past 127 bytes too
        var levels = numbers.Select((_, i) => $"level{i % 4}").ToArray();
        var halves = numbers.Select(v => v / 2).ToArray();
        using var stream = new MemoryStream();
        using (var writer = ChunkFile.CreateWriter(stream, schema))
        {
            for (var copy = 0; copy < 3; copy++) // up to 9,000 rows: chunks of 8,192 and the rest
            {
                writer.Write(new Table(schema, [numbers, ids, levels, halves]), numbers.Select((_, i) => 2L + i + copy * numbers.Length).ToArray());
            }
            writer.Complete();
        }
        string[] leaveOut = [.. leaveOutNumbers ? ["X"] : Array.Empty<string>(), .. leaveOutIds ? ["id"] : Array.Empty<string>()];

        stream.Position = 0;
        var full = ChunkFile.ReadTable(stream);
        stream.Position = 0;
        var (partSchema, chunks) = ChunkFile.Read(stream, reuseArrays: true, leaveOut);
        var part = new List<object[]>();
        foreach (var chunk in chunks)
        {
            Assert.Same(partSchema, chunk.Rows.Schema);
            part.Add(Enumerable.Range(0, chunk.Rows.ColumnCount).Select(c => chunk.Rows.Column(c) switch
            {
                double[] d => (object)d.Select(BitConverter.DoubleToInt64Bits).ToArray(),
                string?[] t => t.ToArray(),
                _ => throw new InvalidOperationException(),
            }).ToArray());
        }

        var kept = schema.Columns.Where(c => !leaveOut.Contains(c.Name, StringComparer.OrdinalIgnoreCase)).Select(c => c.Name).ToArray();
        Assert.Equal(kept, partSchema.Columns.Select(c => c.Name));
        for (var c = 0; c < kept.Length; c++)
        {
            var all = full.Column(full.Schema.IndexOf(kept[c]));
            var read = part.SelectMany(columns => columns[c] is long[] bits ? bits.Cast<object?>() : ((string?[])columns[c]).Cast<object?>());
            var expected = all is double[] d ? d.Select(v => (object?)BitConverter.DoubleToInt64Bits(v)) : ((string?[])all).Cast<object?>();
            Assert.Equal(expected, read);
        }
    }

    [Fact]
    public void Decimals_take_a_fraction_of_their_eight_bytes()
    {
        var schema = new TableSchema([new ColumnSchema("price", ColumnKind.Numeric), new ColumnSchema("flag", ColumnKind.Boolean)]);
        var random = new Random(3);
        var prices = Enumerable.Range(0, 8192).Select(_ => Math.Round(random.NextDouble() * 100_000, 2)).ToArray();
        var flags = prices.Select(p => p > 50_000 ? 1.0 : 0.0).ToArray();
        using var stream = new MemoryStream();
        using (var writer = ChunkFile.CreateWriter(stream, schema))
        {
            writer.Write(new Table(schema, [prices, flags]), Enumerable.Range(2, 8192).Select(i => (long)i).ToArray());
            writer.Complete();
        }
        // 4 bytes a price (cents up to 10^7), 1 a flag, 2 a row number: 7 of the 24 raw bytes a row.
        Assert.InRange(stream.Length, 7 * 8192, 7 * 8192 + 200);
        stream.Position = 0;
        var back = ChunkFile.ReadTable(stream);
        Assert.Equal(prices.Select(BitConverter.DoubleToInt64Bits), back.Numeric(0).Select(BitConverter.DoubleToInt64Bits));
        Assert.Equal(flags, back.Numeric(1));
    }
}

public sealed class ChunkEncodingProperties
{
    /// <summary>Four values at a time or one by one, the same scale and the same integers as the one-by-one rule.</summary>
    [Property(MaxTest = 500, Arbitrary = [typeof(ChunkColumns)])]
    public void Scaling_by_blocks_matches_scaling_value_by_value(double[] numbers)
    {
        var scaled = new long[numbers.Length];
        var ok = ChunkEncoding.TryScale(numbers, scaled, out var scale);

        var expectedOk = ScaleOneByOne(numbers, out var expected, out var expectedScale);
        Assert.Equal(expectedOk, ok);
        if (ok)
        {
            Assert.Equal(expectedScale, scale);
            Assert.Equal(expected, scaled);
        }
    }

    // The rule as first written: restart at the next power of ten whenever a value does not come back bit for bit.
    private static bool ScaleOneByOne(double[] values, out long[] scaled, out int scale)
    {
        scaled = new long[values.Length];
        for (scale = 0; scale <= 9; scale++)
        {
            var power = Math.Pow(10, scale);
            var all = true;
            for (var i = 0; i < values.Length && all; i++)
            {
                var v = values[i];
                if (double.IsNaN(v)) { scaled[i] = long.MinValue; continue; }
                var s = v * power;
                if (!(Math.Abs(s) < 9007199254740992.0) || (v == 0 && double.IsNegative(v))) return false;
                var m = (long)Math.Round(s);
                all = BitConverter.DoubleToInt64Bits(m / power) == BitConverter.DoubleToInt64Bits(v);
                scaled[i] = m;
            }
            if (all) return true;
        }
        return false;
    }
}
