using System.Globalization;

namespace ModelOps.Core.Data;

/// <summary>How one cell's text maps to a value: missing tokens, numbers, booleans, and back to text.</summary>
internal static class CellText
{
    /// <summary>Tokens that mean "no value", compared ignoring case after trimming; the empty string is one too.</summary>
    public static readonly string[] MissingTokens = ["NA", "N/A", "null", "NaN", "?"];

    public static bool IsMissing(ReadOnlySpan<char> trimmed)
    {
        if (trimmed.IsEmpty)
        {
            return true;
        }
        foreach (var token in MissingTokens)
        {
            if (trimmed.Equals(token, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>An invariant-culture finite number; no thousands separators, which would clash with delimiters.</summary>
    public static bool TryParseNumber(ReadOnlySpan<char> text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);

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

    /// <summary>Text that reads back to the same value; missing is null.</summary>
    public static string? Format(Table table, int column, int row) => table.Schema.Columns[column].Kind switch
    {
        ColumnKind.Categorical => table.Categorical(column)[row],
        ColumnKind.Boolean => FormatBoolean(table.Numeric(column)[row]),
        _ => FormatNumber(table.Numeric(column)[row]),
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
