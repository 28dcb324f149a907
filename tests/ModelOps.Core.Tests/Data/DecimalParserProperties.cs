using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using ModelOps.Core.Data;

namespace ModelOps.Core.Tests.Data;

/// <summary>Decimal strings in the shapes data files hold: sign, digits, a point, an exponent, leading and trailing zeros.</summary>
public static class DecimalStrings
{
    public static Arbitrary<string> Decimals() =>
        (from sign in Gen.Elements("", "-", "+")
         from whole in Digits(0, 21)
         from dot in Gen.Elements(true, false)
         from fraction in Digits(0, 18)
         from exponent in Gen.Frequency(
             (3, Gen.Constant("")),
             (2, from e in Gen.Elements("e", "E")
                 from s in Gen.Elements("", "-", "+")
                 from n in Gen.Choose(0, 330)
                 from pad in Gen.Elements("", "0")
                 select e + s + pad + n.ToString(CultureInfo.InvariantCulture)))
         select sign + whole + (dot ? "." + fraction : "") + exponent)
        .Where(s => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
        .ToArbitrary();

    /// <summary>Digit strings of <paramref name="min"/> to <paramref name="max"/> digits, sometimes after leading zeros.</summary>
    internal static Gen<string> Digits(int min, int max) =>
        from n in Gen.Choose(min, max)
        from leadingZeros in Gen.Frequency((4, Gen.Constant(0)), (1, Gen.Choose(1, 4)))
        from digits in Gen.ArrayOf(Gen.Choose(0, 9), n)
        select new string('0', leadingZeros) + string.Concat(digits);
}

public sealed class DecimalParserProperties
{
    [Property(MaxTest = 5_000, Arbitrary = [typeof(DecimalStrings)])]
    public void Fast_path_gives_the_same_bits_as_double_parse(string text)
    {
        var expected = double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
        if (CellText.TryParseSimpleDecimal(text, out var fast))
        {
            Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(fast));
        }
        Assert.True(CellText.TryParseNumber(text, out var any) || !double.IsFinite(expected));
        if (double.IsFinite(expected))
        {
            Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(any));
        }
    }

    [Theory]
    [InlineData("6.02e23")]
    [InlineData("-1.5E-7")]
    [InlineData("123456789012345e7")]
    [InlineData("0.1e1")]
    [InlineData("-0")]
    [InlineData("1e22")]
    [InlineData(".5")]
    [InlineData("5.")]
    [InlineData("1e23")]
    [InlineData("1234567890123456")]
    [InlineData("-0.12345678901234567")]
    [InlineData("1234567890123456789e-300")]
    [InlineData("00000000000000000001.5")]
    public void Common_shapes_take_the_fast_path(string text)
    {
        Assert.True(CellText.TryParseSimpleDecimal(text, out var value));
        Assert.Equal(BitConverter.DoubleToInt64Bits(double.Parse(text, CultureInfo.InvariantCulture)), BitConverter.DoubleToInt64Bits(value));
    }

    [Theory]
    [InlineData("1e")]
    [InlineData("1e+")]
    [InlineData("e5")]
    [InlineData("1.2.3")]
    [InlineData("12345678901234567890")]
    [InlineData("1e400")]
    [InlineData("1e-320")]
    [InlineData(" 1")]
    [InlineData("1,5")]
    [InlineData("")]
    [InlineData("-")]
    public void Other_shapes_leave_it_to_the_general_parser(string text) =>
        Assert.False(CellText.TryParseSimpleDecimal(text, out _));
}
