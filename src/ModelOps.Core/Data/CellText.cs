using System.Globalization;
using System.Runtime.CompilerServices;

namespace ModelOps.Core.Data;

/// <summary>How one cell's text maps to a value: missing tokens, numbers, booleans, dates, and back to text.</summary>
internal static class CellText
{
    /// <summary>Tokens that mean "no value", compared ignoring case after trimming; the empty string is one too.</summary>
    public static readonly string[] MissingTokens = ["NA", "N/A", "null", "NaN", "?"];

    private const long UnixEpochTicks = 621_355_968_000_000_000L;

    public static bool IsMissing(ReadOnlySpan<char> trimmed)
    {
        switch (trimmed.Length)
        {
            case 0:
                return true;
            case 1:
                return trimmed[0] == '?';
            case 2:
                return trimmed.Equals("NA", StringComparison.OrdinalIgnoreCase);
            case 3:
                return trimmed.Equals("N/A", StringComparison.OrdinalIgnoreCase) || trimmed.Equals("NaN", StringComparison.OrdinalIgnoreCase);
            case 4:
                return trimmed.Equals("null", StringComparison.OrdinalIgnoreCase);
            default:
                return false;
        }
    }

    /// <summary>
    /// An invariant-culture finite number. Thousands separators are accepted only in the strict form
    /// <c>1,234,567.89</c> (groups of three), which a value can hold only when quoted; see <see cref="LooksGrouped"/>.
    /// </summary>
    public static bool TryParseNumber(ReadOnlySpan<char> text, out double value) =>
        TryParseNumber(text, out value, out _);

    /// <param name="coerced">True when the number needed coercion (thousands separators).</param>
    public static bool TryParseNumber(ReadOnlySpan<char> text, out double value, out bool coerced)
    {
        coerced = false;
        if (TryParseSimpleDecimal(text, out value))
        {
            return true;
        }
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value))
        {
            return true;
        }
        if (LooksGrouped(text)
            && double.TryParse(text, NumberStyles.Float | NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out value)
            && double.IsFinite(value))
        {
            coerced = true;
            return true;
        }
        value = double.NaN;
        return false;
    }

    /// <summary>
    /// A number written with a decimal comma, as European exports write them: <c>3,14</c>, <c>-0,5</c>, <c>1.234,5</c> (dots
    /// group thousands in threes), or a whole number. <paramref name="coerced"/> is true when a comma or a dot had to be
    /// read that way.
    /// </summary>
    public static bool TryParseDecimalComma(ReadOnlySpan<char> text, out double value, out bool coerced)
    {
        value = double.NaN;
        coerced = false;
        if (text.Length is 0 or > 64)
        {
            return false;
        }
        Span<char> plain = stackalloc char[text.Length];
        var n = 0;
        var i = 0;
        if (text[0] is '-' or '+')
        {
            plain[n++] = text[i++];
        }
        var lead = 0;
        while (i < text.Length && char.IsAsciiDigit(text[i])) { plain[n++] = text[i++]; lead++; }
        if (lead == 0)
        {
            return false;
        }
        while (i < text.Length && text[i] == '.')
        {
            // Thousands: only after 1-3 leading digits, and only in whole groups of three.
            if (lead > 3 || i + 3 >= text.Length)
            {
                return false;
            }
            for (var k = 1; k <= 3; k++)
            {
                if (!char.IsAsciiDigit(text[i + k])) return false;
                plain[n++] = text[i + k];
            }
            i += 4;
            if (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                return false;
            }
            coerced = true;
        }
        if (i < text.Length)
        {
            if (text[i] != ',' || i + 1 == text.Length)
            {
                return false;
            }
            plain[n++] = '.';
            i++;
            while (i < text.Length && char.IsAsciiDigit(text[i])) { plain[n++] = text[i++]; }
            if (i != text.Length)
            {
                return false;
            }
            coerced = true;
        }
        return TryParseSimpleDecimal(plain[..n], out value)
            || (double.TryParse(plain[..n], NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value));
    }

    /// <summary>
    /// The fast path for plain decimals such as <c>-123.456</c> or <c>6.02e23</c>: at most
    /// <see cref="DecimalDouble.MaxDigits"/> significant digits, read as one significand and a power of ten (exponent
    /// minus fraction digits) that <see cref="DecimalDouble.TryCompose"/> rounds correctly: the same bits as
    /// <see cref="double.TryParse(string, out double)"/>. Anything else returns false and takes the general parser.
    /// </summary>
    internal static bool TryParseSimpleDecimal(ReadOnlySpan<char> text, out double value)
    {
        value = 0;
        var i = 0;
        var negative = false;
        if (text.Length > 0 && text[0] is '-' or '+')
        {
            negative = text[0] == '-';
            i = 1;
        }
        ulong mantissa = 0;
        var start = i;
        i = ReadDigits(text, i, ref mantissa);
        var digits = i - start;
        var scale = 0;
        if ((uint)i < (uint)text.Length && text[i] == '.')
        {
            var fraction = ++i;
            i = ReadDigits(text, i, ref mantissa);
            scale = i - fraction;
            digits += scale;
        }
        if (digits == 0)
        {
            return false;
        }
        if (digits > DecimalDouble.MaxDigits && DecimalDouble.SignificantDigits(text[start..i]) > DecimalDouble.MaxDigits)
        {
            return false; // the mantissa overflowed
        }
        var power = -scale;
        if (i < text.Length)
        {
            // Only an exponent may follow the digits: e or E, an optional sign, one to four digits.
            if (text[i] is not ('e' or 'E') || ++i == text.Length)
            {
                return false;
            }
            var negativeExponent = false;
            if (text[i] is '-' or '+')
            {
                negativeExponent = text[i] == '-';
                if (++i == text.Length) return false;
            }
            var exponent = 0;
            var exponentDigits = 0;
            for (; i < text.Length; i++)
            {
                var d = text[i] - '0';
                if ((uint)d > 9 || ++exponentDigits > 4) return false;
                exponent = exponent * 10 + d;
            }
            power += negativeExponent ? -exponent : exponent;
        }
        if (!DecimalDouble.TryCompose(mantissa, power, out var result))
        {
            return false;
        }
        value = negative ? -result : result;
        return true;
    }

    /// <summary>
    /// Appends the run of ASCII digits from <paramref name="i"/> to <paramref name="mantissa"/> and returns where it ends:
    /// two digits a step where it can, which halves the chain of multiplications each digit waits on.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ReadDigits(ReadOnlySpan<char> text, int i, ref ulong mantissa)
    {
        while ((uint)(i + 1) < (uint)text.Length)
        {
            var high = (uint)(text[i] - '0');
            var low = (uint)(text[i + 1] - '0');
            if (high > 9 || low > 9) break;
            mantissa = mantissa * 100 + (high * 10 + low);
            i += 2;
        }
        if ((uint)i < (uint)text.Length && (uint)(text[i] - '0') <= 9)
        {
            mantissa = mantissa * 10 + (uint)(text[i++] - '0');
        }
        return i;
    }

    /// <summary>True for text like <c>-1,234</c> or <c>1,234,567.5</c>: digits in comma groups of exactly three.</summary>
    public static bool LooksGrouped(ReadOnlySpan<char> text)
    {
        var i = text.Length > 0 && text[0] is '-' or '+' ? 1 : 0;
        var lead = 0;
        while (i < text.Length && char.IsAsciiDigit(text[i])) { i++; lead++; }
        if (lead is 0 or > 3 || i >= text.Length || text[i] != ',')
        {
            return false;
        }
        while (i < text.Length && text[i] == ',')
        {
            if (i + 3 >= text.Length) return false;
            for (var k = 1; k <= 3; k++)
            {
                if (!char.IsAsciiDigit(text[i + k])) return false;
            }
            i += 4;
        }
        if (i == text.Length)
        {
            return true;
        }
        if (text[i] != '.')
        {
            return false;
        }
        i++;
        var fraction = 0;
        while (i < text.Length && char.IsAsciiDigit(text[i])) { i++; fraction++; }
        return i == text.Length && fraction > 0;
    }

    /// <summary>inf, infinity, with an optional sign, ignoring case: a non-finite number, read as missing.</summary>
    public static bool IsInfinity(ReadOnlySpan<char> text)
    {
        if (text.Length > 0 && text[0] is '+' or '-' or '\u221E')
        {
            text = text[0] == '\u221E' ? "inf" : text[1..];
        }
        return text.Equals("inf", StringComparison.OrdinalIgnoreCase) || text.Equals("infinity", StringComparison.OrdinalIgnoreCase)
            || text is "\u221E";
    }

    /// <summary>true/false and yes/no, ignoring case; with <paramref name="acceptDigits"/> also 1/0.</summary>
    public static bool TryParseBoolean(ReadOnlySpan<char> text, bool acceptDigits, out double value)
    {
        if (text.Equals("true", StringComparison.OrdinalIgnoreCase) || text.Equals("yes", StringComparison.OrdinalIgnoreCase) || (acceptDigits && text is "1"))
        {
            value = 1;
            return true;
        }
        if (text.Equals("false", StringComparison.OrdinalIgnoreCase) || text.Equals("no", StringComparison.OrdinalIgnoreCase) || (acceptDigits && text is "0"))
        {
            value = 0;
            return true;
        }
        value = double.NaN;
        return false;
    }

    /// <summary>
    /// An ISO 8601 date or timestamp (<c>2024-03-15</c>, <c>2024-03-15T10:22:33</c>, <c>2024-03-15 10:22:33.5+02:00</c>,
    /// <c>...Z</c>) as seconds since 1970-01-01 UTC; a timestamp without an offset is taken as UTC.
    /// </summary>
    public static bool TryParseDate(ReadOnlySpan<char> text, out double seconds)
    {
        seconds = double.NaN;
        if (text.Length < 10 || text[4] != '-' || text[7] != '-' || !char.IsAsciiDigit(text[0]) || !char.IsAsciiDigit(text[3])
            || !char.IsAsciiDigit(text[5]) || !char.IsAsciiDigit(text[9]) || (text.Length > 10 && text[10] is not ('T' or ' ')))
        {
            return false;
        }
        if (text.Length == 10 && TryParseIsoDay(text, out seconds))
        {
            return true;
        }
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var date))
        {
            return false;
        }
        seconds = (date.UtcTicks - UnixEpochTicks) / (double)TimeSpan.TicksPerSecond;
        return true;
    }

    /// <summary>yyyy-MM-dd without the general parser: days from the civil calendar (Howard Hinnant's algorithm).</summary>
    private static bool TryParseIsoDay(ReadOnlySpan<char> text, out double seconds)
    {
        seconds = double.NaN;
        Span<int> d = stackalloc int[10];
        for (var i = 0; i < 10; i++)
        {
            d[i] = text[i] - '0';
            if (i is not (4 or 7) && (uint)d[i] > 9) return false;
        }
        var year = d[0] * 1000 + d[1] * 100 + d[2] * 10 + d[3];
        var month = d[5] * 10 + d[6];
        var day = d[8] * 10 + d[9];
        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month))
        {
            return false;
        }
        var y = month <= 2 ? year - 1 : year;
        var era = y / 400;
        var yoe = y - era * 400;
        var doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
        var doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        var days = era * 146097L + doe - 719468;
        seconds = days * 86400.0;
        return true;
    }

    /// <summary>Seconds since the epoch as an ISO 8601 UTC timestamp (date only when at midnight).</summary>
    public static string? FormatDate(double seconds)
    {
        if (double.IsNaN(seconds))
        {
            return null;
        }
        var ticks = (long)Math.Round(seconds * TimeSpan.TicksPerSecond) + UnixEpochTicks;
        if (ticks < DateTime.MinValue.Ticks || ticks > DateTime.MaxValue.Ticks)
        {
            return FormatNumber(seconds);
        }
        var date = new DateTime(ticks, DateTimeKind.Utc);
        return date.TimeOfDay == TimeSpan.Zero
            ? date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)
            : date.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);
    }

    /// <summary>Text that reads back to the same value; missing is null.</summary>
    public static string? Format(Table table, int column, int row)
    {
        var kind = table.Schema.Columns[column].Kind;
        return kind.IsString() ? table.Categorical(column)[row] : Format(kind, table.Numeric(column)[row]);
    }

    /// <summary>A value of a typed (not string) column as text that reads back to it; missing is null.</summary>
    public static string? Format(ColumnKind kind, double value) => kind switch
    {
        ColumnKind.Boolean => FormatBoolean(value),
        ColumnKind.Datetime => FormatDate(value),
        _ => FormatNumber(value),
    };

    public static string? FormatNumber(double value) =>
        double.IsNaN(value) ? null : value.ToString("R", CultureInfo.InvariantCulture);

    public static string? FormatBoolean(double value) =>
        double.IsNaN(value) ? null : value != 0 ? "true" : "false";

    public static string?[] FormatRow(Table table, int row)
    {
        var values = new string?[table.ColumnCount];
        for (var c = 0; c < values.Length; c++)
        {
            values[c] = Format(table, c, row);
        }
        return values;
    }
}
