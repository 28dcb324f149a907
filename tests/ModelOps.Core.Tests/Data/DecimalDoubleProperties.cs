using System.Globalization;
using System.Numerics;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using ModelOps.Core.Data;

namespace ModelOps.Core.Tests.Data;

/// <summary>JSON numbers: doubles as they are written, and digit strings of any length with any exponent.</summary>
public static class JsonNumbers
{
    public static Arbitrary<string> Numbers() =>
        Gen.Frequency(
                (2, from bits in ArbMap.Default.GeneratorFor<long>()
                    let value = BitConverter.Int64BitsToDouble(bits)
                    where double.IsFinite(value)
                    from format in Gen.Elements("R", "E3", "E16", "F2")
                    select value.ToString(format, CultureInfo.InvariantCulture)),
                (3, from sign in Gen.Elements("", "-")
                    from whole in Gen.Frequency((1, Gen.Constant("0")), (3, NonZeroDigits(1, 21)))
                    from fraction in Gen.Frequency((1, Gen.Constant("")), (3, DecimalStrings.Digits(1, 21).Select(d => "." + d)))
                    from exponent in Gen.Frequency(
                        (1, Gen.Constant("")),
                        (3, from e in Gen.Elements("e", "E", "e+", "e-", "E-")
                            from n in Gen.Choose(0, 360)
                            select e + n.ToString(CultureInfo.InvariantCulture)))
                    select sign + whole + fraction + exponent))
            .ToArbitrary();

    private static Gen<string> NonZeroDigits(int min, int max) =>
        from first in Gen.Choose(1, 9)
        from rest in DecimalStrings.Digits(min - 1, max - 1)
        select first.ToString(CultureInfo.InvariantCulture) + rest;
}

public sealed class DecimalDoubleProperties
{
    [Property(MaxTest = 20_000, Arbitrary = [typeof(JsonNumbers)])]
    public void A_json_number_is_read_as_the_runtime_reads_it(string text)
    {
        var expected = double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
        var (length, value, composed) = Read(text);
        Assert.Equal(text.Length, length);
        Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(value));
        if (!composed)
        {
            // Only what composing was not made for goes to the runtime's parser: too many digits, or a result that is
            // not a normal double.
            var significand = text.TrimStart('-').Split('e', 'E')[0];
            Assert.True(
                DecimalDouble.SignificantDigits(significand.AsSpan()) > DecimalDouble.MaxDigits || !double.IsNormal(expected),
                $"{text} was not composed");
        }
    }

    [Property(MaxTest = 5_000)]
    public void Every_normal_double_as_written_is_composed(double number)
    {
        if (!double.IsNormal(number) && number != 0)
        {
            return; // subnormal and infinite values are the runtime parser's
        }
        foreach (var text in new[] { number.ToString("R", CultureInfo.InvariantCulture), number.ToString("E16", CultureInfo.InvariantCulture) })
        {
            var (_, value, composed) = Read(text);
            Assert.True(composed, text);
            Assert.Equal(BitConverter.DoubleToInt64Bits(number), BitConverter.DoubleToInt64Bits(value));
        }
    }

    [Property(MaxTest = 5_000)]
    public void A_number_halfway_between_two_doubles_is_rounded_to_the_even_one(long seed, int power)
    {
        // m × 2^e with m odd and 54 bits wide lies exactly halfway between two doubles; its decimal is exact.
        var m = (BigInteger)((((ulong)seed >> 11) | (1UL << 52)) << 1 | 1);
        var e = Math.Abs(power % 16) - 10;
        var text = e >= 0 ? (m << e).ToString(CultureInfo.InvariantCulture) : $"{m * BigInteger.Pow(5, -e)}e{e}";
        var (_, value, composed) = Read(text);
        Assert.Equal(BitConverter.DoubleToInt64Bits(double.Parse(text, CultureInfo.InvariantCulture)), BitConverter.DoubleToInt64Bits(value));
        Assert.True(composed || text.Split('e')[0].Length > DecimalDouble.MaxDigits, text);
    }

    [Theory]
    [InlineData("0.1")]
    [InlineData("-0")]
    [InlineData("9007199254740993")] // 2^53 + 1: halfway, to even below
    [InlineData("9007199254740995")] // halfway, to even above
    [InlineData("9223372036854775808")] // 2^63, 19 digits
    [InlineData("2.2250738585072014e-308")] // the smallest normal double
    [InlineData("1.7976931348623157e308")] // the largest
    [InlineData("1.7976931348623158e308")] // rounds down to it
    [InlineData("2.0000000000000004")]
    [InlineData("8.988465674311579e307")]
    [InlineData("7.2057594037927933e16")] // a halfway case past the fast path
    [InlineData("5767711664198479375e-4")] // halfway, to even
    [InlineData("1331314679917501875e-3")]
    [InlineData("1e23")]
    [InlineData("0.000000000000000000000000000000000000001")]
    public void Hard_cases_are_composed_and_rounded_as_the_runtime_rounds_them(string text)
    {
        var (_, value, composed) = Read(text);
        Assert.True(composed, text);
        Assert.Equal(BitConverter.DoubleToInt64Bits(double.Parse(text, CultureInfo.InvariantCulture)), BitConverter.DoubleToInt64Bits(value));
    }

    [Theory]
    [InlineData("1.7976931348623159e308")] // infinite
    [InlineData("1e309")]
    [InlineData("-1e99999999999")]
    [InlineData("2.2250738585072011e-308")] // subnormal
    [InlineData("5e-324")]
    [InlineData("1e-99999999999")]
    [InlineData("12345678901234567890")] // 20 digits
    [InlineData("1.2345678901234567890")]
    public void Numbers_it_was_not_made_for_are_left_to_the_runtime(string text)
    {
        var (length, value, composed) = Read(text);
        Assert.False(composed, text);
        Assert.Equal(text.Length, length);
        Assert.Equal(BitConverter.DoubleToInt64Bits(double.Parse(text, CultureInfo.InvariantCulture)), BitConverter.DoubleToInt64Bits(value));
    }

    [Theory]
    [InlineData("12}", 2)]
    [InlineData("-0,", 2)]
    [InlineData("01", 1)] // JSON has no leading zeros: the number is 0
    [InlineData("0x10", 1)]
    [InlineData("1.5e+3,", 6)]
    [InlineData("1E5", 3)]
    [InlineData("1.", -1)]
    [InlineData("1.e5", -1)]
    [InlineData("1e", -1)]
    [InlineData("1e+", -1)]
    [InlineData(".5", -1)]
    [InlineData("+1", -1)]
    [InlineData("-", -1)]
    [InlineData("-a", -1)]
    [InlineData("", -1)]
    public void A_number_ends_where_the_json_grammar_says(string json, int length) =>
        Assert.Equal(length, Read(json).Length);

    private static (int Length, double Value, bool Composed) Read(string text)
    {
        var length = DecimalDouble.ReadJsonNumber(Encoding.ASCII.GetBytes(text), out var value, out var composed);
        return (length, value, composed);
    }
}
