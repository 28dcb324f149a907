using System.Text.Json.Serialization;

namespace ModelOps.Core.Data;

/// <summary>
/// Limits and hints for <see cref="CsvTableReader"/> and the other readers behind <see cref="DataFileReader"/> (JSON lines,
/// Parquet). The defaults suit one dataset file on one machine.
/// </summary>
public sealed record CsvReadOptions
{
    public static readonly CsvReadOptions Default = new();

    /// <summary>Most bytes read from the stream (default 1 GiB).</summary>
    public long MaxBytes { get; init; } = 1L << 30;

    /// <summary>Most columns in the header (default 1,000).</summary>
    public int MaxColumns { get; init; } = 1_000;

    /// <summary>Most data rows, header excluded (default 5,000,000).</summary>
    public int MaxRows { get; init; } = 5_000_000;

    /// <summary>Longest single field in characters (default 32,768).</summary>
    public int MaxFieldLength { get; init; } = 32_768;

    /// <summary>Longest record (a CSV row or a JSON line) in characters (default 1,048,576).</summary>
    public int MaxLineLength { get; init; } = 1 << 20;

    /// <summary>Rows read as text before each column's kind is settled and later values are parsed directly (default 1,000).</summary>
    public int SampleRows { get; init; } = 1_000;

    /// <summary>
    /// Infer <see cref="ColumnKind.Text"/> for long free-text columns (default off: they stay categorical, which the
    /// training code understands today).
    /// </summary>
    public bool InferText { get; init; }

    /// <summary>
    /// Share of data rows that may have the wrong number of fields; they are dropped and reported as rejected.
    /// Above it (and above one row) the file fails with <c>ragged_rows</c>: usually a wrong delimiter or broken quoting.
    /// </summary>
    public double MaxRaggedShare { get; init; } = 0.05;

    /// <summary>
    /// A column whose non-missing values are at least this share numbers is numeric; the rest of its cells become
    /// missing and are counted as unparseable. Below it the column is categorical.
    /// </summary>
    public double MinNumericShare { get; init; } = 0.5;

    /// <summary>The field delimiter; null detects one of <c>, ; \t |</c> from the header row.</summary>
    public char? Delimiter { get; init; }

    /// <summary>
    /// Whether a CSV's first row names the columns; null detects it from the first rows (see <see cref="CsvHeaderSniffer"/>).
    /// Without a header the columns are named <c>column_1</c>, <c>column_2</c>, ...
    /// </summary>
    public bool? HasHeader { get; init; }

    /// <summary>
    /// Kinds to use instead of inferring them, matched by column name (ignoring case); columns it does not name are
    /// inferred. Pass the schema saved with a table to read back the CSV written by <see cref="CsvTableWriter"/> losslessly.
    /// </summary>
    public TableSchema? Schema { get; init; }

    /// <summary>
    /// The kind of every CSV or JSON-lines column that <see cref="Schema"/> does not name, instead of inferring it; null
    /// infers. Bulk scoring reads the columns it only passes through as categorical, so their values come back as read
    /// (an id column of numbers that later holds <c>b15000</c> is not turned into missing values). Parquet columns keep
    /// the file's own types.
    /// </summary>
    [JsonIgnore]
    public ColumnKind? UndeclaredKind { get; init; }

    /// <summary>
    /// JSON lines: columns to make before the first line, in this order (keys met later follow them); a column with no
    /// value in the first chunk streams in the kind given here. An ingest that met keys only after the first chunk
    /// (<see cref="ChunkedReadResult.LateColumns"/>) reads again with them here, and later files are read with the first
    /// file's columns, so key order does not matter between files.
    /// </summary>
    [JsonIgnore]
    public IReadOnlyList<ColumnSchema> KnownColumns { get; init; } = [];

    /// <summary>Throws an <see cref="ArgumentException"/> naming every invalid setting.</summary>
    public void Validate()
    {
        var errors = new List<string>();
        if (MaxBytes <= 0) errors.Add($"MaxBytes must be positive (was {MaxBytes}).");
        if (MaxColumns <= 0) errors.Add($"MaxColumns must be positive (was {MaxColumns}).");
        if (MaxRows <= 0) errors.Add($"MaxRows must be positive (was {MaxRows}).");
        if (MaxFieldLength <= 0) errors.Add($"MaxFieldLength must be positive (was {MaxFieldLength}).");
        if (MaxLineLength <= 0) errors.Add($"MaxLineLength must be positive (was {MaxLineLength}).");
        if (SampleRows <= 0) errors.Add($"SampleRows must be positive (was {SampleRows}).");
        if (MaxRaggedShare is < 0 or > 1 || double.IsNaN(MaxRaggedShare)) errors.Add($"MaxRaggedShare must be between 0 and 1 (was {MaxRaggedShare}).");
        if (MinNumericShare is <= 0 or > 1 || double.IsNaN(MinNumericShare)) errors.Add($"MinNumericShare must be above 0 and at most 1 (was {MinNumericShare}).");
        if (Delimiter is { } d && !CsvSniffer.Delimiters.Contains(d)) errors.Add($"Delimiter must be one of , ; tab | (was '{d}').");
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid read options: " + string.Join(" ", errors));
        }
    }
}
