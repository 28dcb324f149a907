namespace ModelOps.Core.Data;

/// <summary>A data file that cannot be used, with a stable <see cref="Code"/> and a message a data scientist understands.</summary>
public sealed class DataFileException : Exception
{
    public DataFileException(string code, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        ArgumentException.ThrowIfNullOrEmpty(code);
        Code = code;
    }

    /// <summary>One of <see cref="DataFileErrorCodes"/>; stable, safe to switch on and to show in a run report.</summary>
    public string Code { get; }
}

/// <summary>The stable codes carried by <see cref="DataFileException"/>.</summary>
public static class DataFileErrorCodes
{
    /// <summary>No bytes, or only a byte-order mark or whitespace.</summary>
    public const string EmptyFile = "empty_file";

    /// <summary>A header row and nothing else.</summary>
    public const string HeaderOnly = "header_only";

    /// <summary>Binary content (NUL bytes, a known binary signature) or bytes that are not UTF-8.</summary>
    public const string NotText = "not_text";

    /// <summary>Too many rows have a different number of fields than the header.</summary>
    public const string RaggedRows = "ragged_rows";

    /// <summary>Two header names are equal, ignoring case.</summary>
    public const string DuplicateColumns = "duplicate_columns";

    /// <summary>More columns than <see cref="CsvReadOptions.MaxColumns"/>.</summary>
    public const string TooManyColumns = "too_many_columns";

    /// <summary>More data rows than <see cref="CsvReadOptions.MaxRows"/>.</summary>
    public const string TooManyRows = "too_many_rows";

    /// <summary>More bytes than <see cref="CsvReadOptions.MaxBytes"/>, declared (blob length) or read.</summary>
    public const string TooLarge = "too_large";

    /// <summary>A field longer than <see cref="CsvReadOptions.MaxFieldLength"/>, usually an unclosed quote.</summary>
    public const string FieldTooLong = "field_too_long";

    /// <summary>A record longer than <see cref="CsvReadOptions.MaxLineLength"/>.</summary>
    public const string LineTooLong = "line_too_long";

    /// <summary>Too many JSON lines are not JSON objects, or the file is one JSON array rather than JSON lines.</summary>
    public const string MalformedJson = "malformed_json";

    /// <summary>A <c>.parquet</c> file Parquet.Net cannot read (bad footer, truncated, not Parquet at all).</summary>
    public const string MalformedParquet = "malformed_parquet";

    /// <summary>A file whose name and content match none of the supported formats (CSV, JSON lines, Parquet).</summary>
    public const string UnsupportedFormat = "unsupported_format";

    /// <summary>Quoting the CSV parser cannot make sense of.</summary>
    public const string MalformedCsv = "malformed_csv";

    /// <summary>The label column named in the config is not in the table.</summary>
    public const string LabelMissing = "label_missing";

    /// <summary>Every row is missing its label, so there is nothing to learn from.</summary>
    public const string AllLabelsMissing = "all_labels_missing";
}
