using System.Buffers.Text;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace ModelOps.Core.Data;

/// <summary>
/// The double nearest a decimal number, correctly rounded (the same bits as <see cref="double.Parse(string)"/>), for
/// numbers of up to 19 significant digits: the 17 that a double's shortest text takes, and then some. A significand that
/// is an exact double times an exact power of ten takes one division or multiplication (Clinger's fast path); any other
/// takes the Eisel-Lemire algorithm, one or two 64x128-bit products with a truncated power of five (D. Lemire, "Number
/// parsing at a gigabyte per second", 2021; N. Mushtak and D. Lemire, "Fast number parsing without fallback", 2023).
/// What neither covers (more digits, subnormal or overflowing results) returns false, for the runtime's parser to read.
/// </summary>
internal static class DecimalDouble
{
    /// <summary>The most significant digits a significand may have here: every such significand fits in a ulong.</summary>
    public const int MaxDigits = 19;

    private const int SmallestPower = -342;
    private const int LargestPower = 308;

    /// <summary>5^q for q from <see cref="SmallestPower"/> to <see cref="LargestPower"/>, each as the 128 bits from its
    /// highest (rounded up for negative q): two ulongs a power, high then low.</summary>
    private static readonly ulong[] PowersOfFive = BuildPowersOfFive();

    private static ReadOnlySpan<double> ExactPowersOf10 =>
    [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ];

    /// <summary><paramref name="significand"/> × 10^<paramref name="exponent"/>, when it is a normal double or zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryCompose(ulong significand, int exponent, out double value)
    {
        if (significand <= 1UL << 53 && exponent is >= -22 and <= 22)
        {
            value = exponent < 0 ? significand / ExactPowersOf10[-exponent] : significand * ExactPowersOf10[exponent];
            return true;
        }
        return TryComposeRounded(significand, exponent, out value);
    }

    /// <summary>Eisel-Lemire: the significand's 64 bits times the power of five's top 128, rounded to 53.</summary>
    private static bool TryComposeRounded(ulong significand, int exponent, out double value)
    {
        value = 0;
        if (significand == 0)
        {
            return true;
        }
        if (exponent is < SmallestPower or > LargestPower)
        {
            return false;
        }
        var leadingZeros = BitOperations.LeadingZeroCount(significand);
        var w = significand << leadingZeros;
        var index = 2 * (exponent - SmallestPower);
        var high = Math.BigMul(w, PowersOfFive[index], out var low);
        if ((high & 0x1FF) == 0x1FF)
        {
            // The bits below the 55 kept might carry into them: add the product with the power's low half.
            var carry = Math.BigMul(w, PowersOfFive[index + 1], out _);
            low += carry;
            if (carry > low)
            {
                high++;
            }
        }
        var upperBit = (int)(high >> 63);
        var shift = upperBit + 9;
        var mantissa = high >> shift;
        // floor(log2(10^exponent)) + 63, plus the double's bias.
        var biasedExponent = ((217706 * exponent) >> 16) + 63 + upperBit - leadingZeros + 1023;
        if (biasedExponent <= 0)
        {
            return false; // subnormal
        }
        if (low <= 1 && exponent is >= -4 and <= 23 && (mantissa & 3) == 1 && mantissa << shift == high)
        {
            mantissa &= ~1UL; // exactly halfway: round to even, down
        }
        mantissa += mantissa & 1;
        mantissa >>= 1;
        if (mantissa >= 2UL << 52)
        {
            mantissa = 1UL << 52;
            biasedExponent++;
        }
        if (biasedExponent >= 0x7FF)
        {
            return false; // infinite
        }
        value = BitConverter.UInt64BitsToDouble((mantissa & ~(1UL << 52)) | ((ulong)biasedExponent << 52));
        return true;
    }

    /// <summary>
    /// Reads the JSON number <paramref name="json"/> starts with (<c>-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?</c>,
    /// the longest such prefix) in one pass: its length in bytes, or -1 when <paramref name="json"/> does not start with
    /// one. <paramref name="value"/> is the nearest double, infinite past the double's range, as the runtime's parser
    /// gives it; <paramref name="composed"/> says whether <see cref="TryCompose"/> made it, rather than that parser.
    /// </summary>
    public static int ReadJsonNumber(ReadOnlySpan<byte> json, out double value, out bool composed)
    {
        value = double.NaN;
        composed = false;
        var negative = !json.IsEmpty && json[0] == (byte)'-';
        var start = negative ? 1 : 0;
        if (start >= json.Length || (uint)(json[start] - '0') > 9)
        {
            return -1;
        }
        ulong significand = 0;
        var at = json[start] == (byte)'0' ? start + 1 : ReadDigits(json, start, ref significand);
        var digits = at - start;
        var exponent = 0;
        if (at < json.Length && json[at] == (byte)'.')
        {
            var fraction = ++at;
            at = ReadDigits(json, at, ref significand);
            if (at == fraction)
            {
                return -1;
            }
            digits += at - fraction;
            exponent = fraction - at;
        }
        var digitsEnd = at;
        if (at < json.Length && (json[at] | 0x20) == (byte)'e')
        {
            at++;
            var negativeExponent = at < json.Length && json[at] == (byte)'-';
            if (at < json.Length && json[at] is (byte)'-' or (byte)'+')
            {
                at++;
            }
            var exponentStart = at;
            var written = 0;
            for (; at < json.Length && (uint)(json[at] - '0') <= 9; at++)
            {
                written = Math.Min(written * 10 + (json[at] - '0'), 100_000); // far past any double, and no overflow
            }
            if (at == exponentStart)
            {
                return -1;
            }
            exponent += negativeExponent ? -written : written;
        }
        composed = (digits <= MaxDigits || SignificantDigits(json[start..digitsEnd]) <= MaxDigits) // else it overflowed
            && TryCompose(significand, exponent, out value);
        if (composed)
        {
            value = negative ? -value : value;
        }
        else if (!Utf8Parser.TryParse(json[..at], out value, out var parsed) || parsed != at)
        {
            value = double.NaN;
        }
        return at;
    }

    /// <summary>Appends the run of ASCII digits from <paramref name="i"/> to <paramref name="significand"/> and returns
    /// where it ends: eight digits a step where it can, as one ulong (the digits' bytes checked and combined in its lanes).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ReadDigits(ReadOnlySpan<byte> text, int i, ref ulong significand)
    {
        while (i + 8 <= text.Length)
        {
            var eight = Unsafe.ReadUnaligned<ulong>(ref Unsafe.AsRef(in text[i]));
            if (((eight & 0xF0F0F0F0F0F0F0F0) | (((eight + 0x0606060606060606) & 0xF0F0F0F0F0F0F0F0) >> 4)) != 0x3333333333333333)
            {
                break; // not eight digits
            }
            eight -= 0x3030303030303030;
            eight = eight * 10 + (eight >> 8); // pairs
            eight = (((eight & 0x000000FF000000FF) * (100 + (1_000_000UL << 32)))
                + (((eight >> 16) & 0x000000FF000000FF) * (1 + (10_000UL << 32)))) >> 32;
            significand = significand * 100_000_000 + eight;
            i += 8;
        }
        for (; i < text.Length && (uint)(text[i] - '0') <= 9; i++)
        {
            significand = significand * 10 + (uint)(text[i] - '0');
        }
        return i;
    }

    /// <summary>Digits of a plain decimal (digits and at most one point, as text or bytes) from its first non-zero one.</summary>
    public static int SignificantDigits<TChar>(ReadOnlySpan<TChar> number)
        where TChar : unmanaged, IBinaryInteger<TChar>
    {
        var zero = TChar.CreateTruncating('0');
        var point = TChar.CreateTruncating('.');
        var leadingZeros = 0;
        foreach (var c in number)
        {
            if (c == zero) leadingZeros++;
            else if (c != point) break;
        }
        return number.Length - (number.Contains(point) ? 1 : 0) - leadingZeros;
    }

    private static ulong[] BuildPowersOfFive()
    {
        var table = new ulong[2 * (LargestPower - SmallestPower + 1)];
        var top = BigInteger.One << 128;
        for (var q = SmallestPower; q <= LargestPower; q++)
        {
            BigInteger power;
            if (q < 0)
            {
                // 2^b / 5^-q, rounded up, with enough bits that its top 128 are exact once truncated.
                var fivePower = BigInteger.Pow(5, -q);
                var bits = (int)(fivePower - 1).GetBitLength();
                power = (BigInteger.One << (q >= -27 ? bits + 127 : 2 * bits + 128)) / fivePower + 1;
            }
            else
            {
                power = BigInteger.Pow(5, q);
                while (power < top >> 1)
                {
                    power <<= 1;
                }
            }
            while (power >= top)
            {
                power >>= 1;
            }
            var i = 2 * (q - SmallestPower);
            table[i] = (ulong)(power >> 64);
            table[i + 1] = (ulong)(power & ulong.MaxValue);
        }
        return table;
    }
}
