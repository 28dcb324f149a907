namespace ModelOps.Core.Data;

/// <summary>Whether an anomaly fails the run (<see cref="Error"/>) or is only reported (<see cref="Warning"/>).</summary>
public enum AnomalySeverity
{
    Warning,
    Error,
}

/// <summary>One finding about a dataset, like a TFDV anomaly: a stable code, the column (null for the whole table),
/// how many rows or values it concerns, a few examples, and a message a data scientist understands.</summary>
public sealed record Anomaly(
    string Code,
    string? Column,
    long Count,
    IReadOnlyList<string> Examples,
    string Message,
    AnomalySeverity Severity);

/// <summary>The stable codes of <see cref="Anomaly.Code"/>; the default severity of each is in <see cref="DataValidationOptions"/>.</summary>
public static class AnomalyCodes
{
    /// <summary>A column of the declared or production schema is absent. Default: error.</summary>
    public const string MissingColumn = "missing_column";

    /// <summary>A column not in the declared or production schema. Default: warning.</summary>
    public const string NewColumn = "new_column";

    /// <summary>A column's kind differs from the schema, or too many of its values did not parse as its kind. Default: error
    /// above <see cref="DataValidationOptions.MaxTypeMismatchShare"/>, else warning.</summary>
    public const string TypeMismatch = "type_mismatch";

    /// <summary>Categorical values outside the schema's domain. Default: error above <see cref="DataValidationOptions.MaxOutOfDomainShare"/>
    /// against a declared schema, else warning.</summary>
    public const string OutOfDomain = "out_of_domain";

    /// <summary>Numeric values outside the declared Min/Max. Default: error above <see cref="DataValidationOptions.MaxOutOfDomainShare"/>
    /// against a declared schema, warning against the production schema.</summary>
    public const string OutOfRange = "out_of_range";

    /// <summary>NaN or infinity written in a numeric column (read as missing). Default: warning.</summary>
    public const string NonFinite = "non_finite";

    /// <summary>Fewer rows than <see cref="DataValidationOptions.MinRows"/>. Default: error.</summary>
    public const string TooFewRows = "too_few_rows";

    /// <summary>The label column is not in the data. Default: error.</summary>
    public const string LabelMissing = "label_missing";

    /// <summary>Every row lacks a label. Default: error.</summary>
    public const string AllLabelsMissing = "all_labels_missing";

    /// <summary>Some rows lack a label (they are dropped by cleaning). Default: warning.</summary>
    public const string MissingLabels = "missing_labels";

    /// <summary>A feature with a single distinct value. Default: warning.</summary>
    public const string ConstantColumn = "constant_column";

    /// <summary>A column with no values at all (cleaning drops it). Default: warning.</summary>
    public const string EmptyColumn = "empty_column";

    /// <summary>A column missing more than <see cref="DataValidationOptions.MaxMissingShare"/> of its values. Default: warning.</summary>
    public const string HighMissingShare = "high_missing_share";

    /// <summary>Row count changed more than <see cref="DataValidationOptions.MaxRowCountChange"/> against the last run. Default: warning.</summary>
    public const string RowCountChange = "row_count_change";

    /// <summary>A feature drifted from the production baseline beyond its threshold. Default: warning (retraining on drifted data is the point).</summary>
    public const string Drift = "drift";

    /// <summary>Rows the reader left out (wrong field count, not a JSON object). Default: warning.</summary>
    public const string RejectedRows = "rejected_rows";

    /// <summary>A CSV whose first row reads as data, not names: its columns are <c>column_1</c>, ... Default: warning.</summary>
    public const string NoHeader = "no_header";

    /// <summary>Text cells starting with = + - @ that a spreadsheet would run as a formula (CSV injection). Default: warning.</summary>
    public const string FormulaLikeValues = "formula_like_values";
}

/// <summary>Thresholds of <see cref="DataValidator"/>; every default is documented in docs/data.md.</summary>
public sealed record DataValidationOptions
{
    public static readonly DataValidationOptions Default = new();

    /// <summary>Fewest rows worth training on (default 25: 20 to train plus a holdout).</summary>
    public int MinRows { get; init; } = 25;

    /// <summary>Share of a column's present values that may fail to parse as its kind before <c>type_mismatch</c> is an error (default 0.05).</summary>
    public double MaxTypeMismatchShare { get; init; } = 0.05;

    /// <summary>Share of values that may fall outside a declared domain or range before it is an error (default 0.01).</summary>
    public double MaxOutOfDomainShare { get; init; } = 0.01;

    /// <summary>Share of missing values above which a column is reported (default 0.5).</summary>
    public double MaxMissingShare { get; init; } = 0.5;

    /// <summary>Relative change of the row count against the last run that is reported (default 0.5: half or 1.5 times as many).</summary>
    public double MaxRowCountChange { get; init; } = 0.5;

    /// <summary>Jensen-Shannon divergence (base 2) of a numeric feature's histogram above which it drifted (default 0.1).</summary>
    public double NumericDriftThreshold { get; init; } = 0.1;

    /// <summary>L-infinity distance of a categorical feature's level shares above which it drifted (default 0.1; TFDV's examples use 0.01).</summary>
    public double CategoricalDriftThreshold { get; init; } = 0.1;

    /// <summary>Examples kept per anomaly (default 5).</summary>
    public int MaxExamples { get; init; } = 5;

    /// <summary>Overrides of the default severity by code, e.g. <c>{ ["drift"] = Error }</c> to fail a run on drift.</summary>
    public IReadOnlyDictionary<string, AnomalySeverity> Severities { get; init; } = new Dictionary<string, AnomalySeverity>();

    public void Validate()
    {
        var errors = new List<string>();
        if (MinRows < 0) errors.Add($"MinRows must not be negative (was {MinRows}).");
        foreach (var (name, value) in new[] { ("MaxTypeMismatchShare", MaxTypeMismatchShare), ("MaxOutOfDomainShare", MaxOutOfDomainShare),
                     ("MaxMissingShare", MaxMissingShare), ("NumericDriftThreshold", NumericDriftThreshold), ("CategoricalDriftThreshold", CategoricalDriftThreshold) })
        {
            if (value is < 0 or > 1 || double.IsNaN(value)) errors.Add($"{name} must be between 0 and 1 (was {value}).");
        }
        if (MaxRowCountChange < 0 || double.IsNaN(MaxRowCountChange)) errors.Add($"MaxRowCountChange must not be negative (was {MaxRowCountChange}).");
        if (MaxExamples < 0) errors.Add($"MaxExamples must not be negative (was {MaxExamples}).");
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid data validation options: " + string.Join(" ", errors));
        }
    }
}

/// <summary>What <see cref="DataValidator"/> compares a table against; every member is optional.</summary>
/// <param name="Label">The label column's name (e.g. from TrainingProblem.ResolveLabel or the config).</param>
/// <param name="Read">The reader's report: unparseable cells (type mismatch), non-finite tokens, rejected rows.</param>
/// <param name="DeclaredSchema">A schema the user declared: missing columns, kinds, domains and ranges are errors.</param>
/// <param name="ProductionSchema">The production version's schema: skew is reported (missing columns and kind changes are errors).</param>
/// <param name="Baseline">The production version's training profile: drift, and the histogram bins to profile with.</param>
/// <param name="PreviousRowCount">The last run's row count for this model.</param>
public sealed record ValidationContext(
    string? Label = null,
    CsvReadReport? Read = null,
    TableSchema? DeclaredSchema = null,
    TableSchema? ProductionSchema = null,
    DataProfile? Baseline = null,
    long? PreviousRowCount = null);

/// <summary>The anomalies found and the profile computed on the way (binned on the baseline's edges when there was one).</summary>
/// <param name="Drift">Drift of every feature compared with the baseline, drifted or not.</param>
public sealed record ValidationReport(IReadOnlyList<Anomaly> Anomalies, DataProfile Profile, IReadOnlyList<FeatureDrift> Drift)
{
    /// <summary>True when no anomaly is an error: the run may go on.</summary>
    public bool Passed => Anomalies.All(a => a.Severity != AnomalySeverity.Error);

    public IEnumerable<Anomaly> Errors => Anomalies.Where(a => a.Severity == AnomalySeverity.Error);
}
