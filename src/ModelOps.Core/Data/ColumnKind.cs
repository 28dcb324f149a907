namespace ModelOps.Core.Data;

/// <summary>How a column's values are understood.</summary>
/// <remarks>
/// Storage in a <see cref="Table"/>: <see cref="Categorical"/> and <see cref="Text"/> columns are <c>string?[]</c>
/// (missing = null); every other kind is <c>double[]</c> (missing = NaN). New kinds are added at the end so that
/// stored numbers keep their meaning.
/// </remarks>
public enum ColumnKind
{
    /// <summary>Real numbers; missing is NaN.</summary>
    Numeric,

    /// <summary>A small set of string levels; missing is null.</summary>
    Categorical,

    /// <summary>true/false; stored as 1/0 in a numeric column, missing is NaN.</summary>
    Boolean,

    /// <summary>An ISO 8601 date or timestamp; stored as seconds since 1970-01-01 UTC in a numeric column, missing is NaN.</summary>
    Datetime,

    /// <summary>
    /// Long free text (many distinct, long values); stored like a categorical column but never one-hot encoded.
    /// Only produced when <see cref="CsvReadOptions.InferText"/> is on or a declared schema says so.
    /// </summary>
    Text,
}

/// <summary>Helpers over <see cref="ColumnKind"/>.</summary>
public static class ColumnKinds
{
    /// <summary>True for kinds stored as <c>string?[]</c> (categorical and text); false for kinds stored as <c>double[]</c>.</summary>
    public static bool IsString(this ColumnKind kind) => kind is ColumnKind.Categorical or ColumnKind.Text;

    /// <summary>
    /// Reads an ISO 8601 date or timestamp as a <see cref="ColumnKind.Datetime"/> value: seconds since 1970-01-01 UTC
    /// (no offset = UTC). For scoring requests that send dates as strings.
    /// </summary>
    public static bool TryParseDatetime(string? text, out double secondsSinceEpoch)
    {
        secondsSinceEpoch = double.NaN;
        return text is not null && CellText.TryParseDate(text.AsSpan().Trim(), out secondsSinceEpoch);
    }

    /// <summary>A <see cref="ColumnKind.Datetime"/> value as ISO 8601 UTC text (date only at midnight); null for NaN.</summary>
    public static string? FormatDatetime(double secondsSinceEpoch) => CellText.FormatDate(secondsSinceEpoch);
}
