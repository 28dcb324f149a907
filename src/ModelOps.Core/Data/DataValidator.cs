using System.Globalization;

namespace ModelOps.Core.Data;

/// <summary>
/// Checks a table the way TFDV's <c>validate_statistics</c> does: against a declared schema, the production version's schema
/// and baseline profile, and the last run's row count. Computes the table's <see cref="DataProfile"/> on the way (binned on
/// the baseline's edges), so the caller saves it as the run's baseline without profiling twice.
/// </summary>
public static class DataValidator
{
    private static readonly Dictionary<string, AnomalySeverity> DefaultSeverities = new(StringComparer.Ordinal)
    {
        [AnomalyCodes.MissingColumn] = AnomalySeverity.Error,
        [AnomalyCodes.NewColumn] = AnomalySeverity.Warning,
        [AnomalyCodes.NonFinite] = AnomalySeverity.Warning,
        [AnomalyCodes.TooFewRows] = AnomalySeverity.Error,
        [AnomalyCodes.LabelMissing] = AnomalySeverity.Error,
        [AnomalyCodes.AllLabelsMissing] = AnomalySeverity.Error,
        [AnomalyCodes.MissingLabels] = AnomalySeverity.Warning,
        [AnomalyCodes.ConstantColumn] = AnomalySeverity.Warning,
        [AnomalyCodes.EmptyColumn] = AnomalySeverity.Warning,
        [AnomalyCodes.HighMissingShare] = AnomalySeverity.Warning,
        [AnomalyCodes.RowCountChange] = AnomalySeverity.Warning,
        [AnomalyCodes.Drift] = AnomalySeverity.Warning,
        [AnomalyCodes.RejectedRows] = AnomalySeverity.Warning,
        [AnomalyCodes.NoHeader] = AnomalySeverity.Warning,
        [AnomalyCodes.FormulaLikeValues] = AnomalySeverity.Warning,
    };

    /// <summary>The severity a code gets when <see cref="DataValidationOptions.Severities"/> does not override it.
    /// Codes whose severity depends on a threshold (type_mismatch, out_of_domain, out_of_range) return null.</summary>
    public static AnomalySeverity? DefaultSeverity(string code) =>
        DefaultSeverities.TryGetValue(code, out var severity) ? severity : null;

    /// <summary>Checks <paramref name="table"/>; see <see cref="AnomalyCodes"/> for what is found and how severe it is.</summary>
    /// <param name="profile">The table's profile when the caller has one already (profiled with <c>context.Baseline</c> as
    /// the baseline, so histograms share bins); otherwise it is computed with <paramref name="profileOptions"/>.</param>
    public static ValidationReport Validate(Table table, ValidationContext? context = null, DataValidationOptions? options = null,
        ProfileOptions? profileOptions = null, DataProfile? profile = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        context ??= new ValidationContext();
        options ??= DataValidationOptions.Default;
        options.Validate();
        if (profile is not null && profile.Features.Count != table.ColumnCount)
        {
            throw new ArgumentException($"The profile has {profile.Features.Count} features; the table has {table.ColumnCount} columns.", nameof(profile));
        }
        profile ??= Profiler.Profile(table, profileOptions, context.Baseline);
        var checks = new DataChecks(table.Schema, context, options);
        checks.Add(table);
        return Validate(table.Schema, table.RowCount, checks, profile, context, options);
    }

    /// <summary>
    /// Judges data seen in chunks: <paramref name="checks"/> counted what needs the values (missing labels, formula-like
    /// cells, values outside the schemas) and <paramref name="profile"/> holds the statistics of all <paramref name="rows"/>.
    /// </summary>
    public static ValidationReport Validate(TableSchema schema, long rows, DataChecks checks, DataProfile profile,
        ValidationContext? context = null, DataValidationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(checks);
        ArgumentNullException.ThrowIfNull(profile);
        context ??= new ValidationContext();
        options ??= DataValidationOptions.Default;
        var table = new SchemaView(schema, rows, checks);
        var found = new List<Anomaly>();
        void Add(string code, string? column, long count, IEnumerable<string> examples, string message, AnomalySeverity severity)
        {
            var final = options.Severities.TryGetValue(code, out var overridden) ? overridden : severity;
            found.Add(new Anomaly(code, column, count, examples.Take(options.MaxExamples).ToArray(), message, final));
        }

        if (rows < options.MinRows)
        {
            Add(AnomalyCodes.TooFewRows, null, rows, [], $"The data has {rows:N0} usable rows; at least {options.MinRows:N0} are needed.", AnomalySeverity.Error);
        }
        if (context.PreviousRowCount is > 0 and var previous)
        {
            var change = (rows - (double)previous) / previous;
            if (Math.Abs(change) > options.MaxRowCountChange)
            {
                Add(AnomalyCodes.RowCountChange, null, rows, [previous.ToString(CultureInfo.InvariantCulture)],
                    $"The data has {rows:N0} rows; the last run had {previous:N0} ({change:+0%;-0%}).", AnomalySeverity.Warning);
            }
        }
        if (context.Read is { RowsRejected: > 0 } read)
        {
            Add(AnomalyCodes.RejectedRows, null, read.RowsRejected, [],
                $"{read.RowsRejected:N0} of {read.RowsRead:N0} rows could not be read and were left out (see the quarantine file).", AnomalySeverity.Warning);
        }

        if (context.Read is { HasHeader: false } headerless)
        {
            Add(AnomalyCodes.NoHeader, null, headerless.Columns.Count, [],
                $"The first row reads as data, not column names, so the columns are named column_1 to column_{headerless.Columns.Count}. " +
                "Add a header row, or set data.read.hasHeader in modelops.json if the guess is wrong.", AnomalySeverity.Warning);
        }

        CheckLabel(table, context.Label, Add);
        for (var c = 0; c < table.ColumnCount; c++)
        {
            CheckColumn(table, c, profile.Features[c], context, options, Add);
        }
        CheckSchema(table, context.DeclaredSchema, declared: true, options, Add);
        CheckSchema(table, context.ProductionSchema, declared: false, options, Add);

        IReadOnlyList<FeatureDrift> drift = [];
        if (context.Baseline is { } baseline)
        {
            drift = Profiler.Drift(baseline, profile);
            foreach (var d in drift)
            {
                var threshold = d.Measure == Profiler.LInfinity ? options.CategoricalDriftThreshold : options.NumericDriftThreshold;
                if (d.Value > threshold && !string.Equals(d.Column, context.Label, StringComparison.OrdinalIgnoreCase))
                {
                    Add(AnomalyCodes.Drift, d.Column, rows, [d.Value.ToString("0.####", CultureInfo.InvariantCulture)],
                        $"'{d.Column}' drifted from the production baseline: {d.Measure.Replace('_', '-')} {d.Value:0.###} > {threshold:0.###}.",
                        AnomalySeverity.Warning);
                }
            }
        }
        return new ValidationReport(found, profile, drift);
    }

    private delegate void AddAnomaly(string code, string? column, long count, IEnumerable<string> examples, string message, AnomalySeverity severity);

    /// <summary>What the checks below need of a table: its schema, row count and the counts taken from its values.</summary>
    private sealed record SchemaView(TableSchema Schema, long RowCount, DataChecks Checks)
    {
        public int ColumnCount => Schema.Columns.Count;
    }

    private static void CheckLabel(SchemaView table, string? label, AddAnomaly add)
    {
        if (string.IsNullOrWhiteSpace(label))
        {
            return;
        }
        var index = table.Schema.IndexOf(label);
        if (index < 0)
        {
            add(AnomalyCodes.LabelMissing, label, table.RowCount, table.Schema.Columns.Select(c => c.Name),
                $"The label column '{label}' is not in the data.", AnomalySeverity.Error);
            return;
        }
        var missing = table.Checks.LabelMissing;
        if (missing == table.RowCount && table.RowCount > 0)
        {
            add(AnomalyCodes.AllLabelsMissing, label, missing, [],
                $"Every row ({missing:N0}) is missing its label '{label}', so there is nothing to learn from.", AnomalySeverity.Error);
        }
        else if (missing > 0)
        {
            add(AnomalyCodes.MissingLabels, label, missing, [],
                $"{missing:N0} rows have no label '{label}'; cleaning drops them.", AnomalySeverity.Warning);
        }
    }

    private static void CheckColumn(SchemaView table, int c, FeatureProfile feature, ValidationContext context, DataValidationOptions options, AddAnomaly add)
    {
        var column = table.Schema.Columns[c];
        var rows = table.RowCount;
        var isLabel = string.Equals(column.Name, context.Label, StringComparison.OrdinalIgnoreCase);
        var read = context.Read?.Columns.FirstOrDefault(r => string.Equals(r.Name, column.Name, StringComparison.OrdinalIgnoreCase));
        if (read is { Unparseable: > 0 })
        {
            var present = rows - (read.Missing);
            var share = present <= 0 ? 1 : read.Unparseable / (double)present;
            add(AnomalyCodes.TypeMismatch, column.Name, read.Unparseable, read.UnparseableExamples,
                $"{read.Unparseable:N0} values of '{column.Name}' ({share:0.##%}) are not {Describe(column.Kind)} and were read as missing.",
                share > options.MaxTypeMismatchShare ? AnomalySeverity.Error : AnomalySeverity.Warning);
        }
        var nonFinite = (read?.NonFinite ?? 0) + feature.NonFinite;
        if (nonFinite > 0 && !column.Kind.IsString())
        {
            add(AnomalyCodes.NonFinite, column.Name, nonFinite, ["NaN", "inf"],
                $"{nonFinite:N0} values of '{column.Name}' are NaN or infinite; they are treated as missing.", AnomalySeverity.Warning);
        }
        if (rows == 0 || isLabel)
        {
            return;
        }
        if (feature.Count == 0 && feature.NonFinite == 0)
        {
            add(AnomalyCodes.EmptyColumn, column.Name, rows, [], $"'{column.Name}' has no values; cleaning drops it.", AnomalySeverity.Warning);
            return;
        }
        if (feature.Missing > options.MaxMissingShare * rows)
        {
            add(AnomalyCodes.HighMissingShare, column.Name, feature.Missing, [],
                $"'{column.Name}' is missing {feature.Missing / (double)rows:0.#%} of its values.", AnomalySeverity.Warning);
        }
        var constant = column.Kind.IsString() ? feature.Distinct == 1 : feature.Min == feature.Max;
        if (constant)
        {
            var value = column.Kind.IsString() ? feature.TopCategories![0].Value : CellText.FormatNumber(feature.Min!.Value)!;
            add(AnomalyCodes.ConstantColumn, column.Name, feature.Count, [value],
                $"'{column.Name}' has one value ({value}) in every row that has one; it carries no information.", AnomalySeverity.Warning);
        }
        if (column.Kind.IsString())
        {
            var (formulas, examples) = table.Checks.Formulas(c);
            if (formulas > 0)
            {
                add(AnomalyCodes.FormulaLikeValues, column.Name, formulas, examples,
                    $"{formulas:N0} values of '{column.Name}' start with = + - or @ and would run as formulas in a spreadsheet; quarantine files escape them.",
                    AnomalySeverity.Warning);
            }
        }
    }

    private static void CheckSchema(SchemaView table, TableSchema? schema, bool declared, DataValidationOptions options, AddAnomaly add)
    {
        if (schema is null)
        {
            return;
        }
        var source = declared ? "the declared schema" : "the production model's schema";
        foreach (var expected in schema.Columns)
        {
            var index = table.Schema.IndexOf(expected.Name);
            if (index < 0)
            {
                add(AnomalyCodes.MissingColumn, expected.Name, table.RowCount, [],
                    $"'{expected.Name}' is in {source} but not in the data.", AnomalySeverity.Error);
                continue;
            }
            var actual = table.Schema.Columns[index];
            if (actual.Kind != expected.Kind && !(actual.Kind.IsString() && expected.Kind.IsString()))
            {
                add(AnomalyCodes.TypeMismatch, expected.Name, table.RowCount, [actual.Kind.ToString()],
                    $"'{expected.Name}' is {Describe(expected.Kind)} in {source} but the data has {Describe(actual.Kind)}.", AnomalySeverity.Error);
                continue;
            }
            var domainIsComplete = declared || (expected.Categories?.Count ?? int.MaxValue) < TableSchema.DefaultMaxCategories;
            if (actual.Kind.IsString() && expected.Categories is { Count: > 0 } levels && domainIsComplete)
            {
                var (outside, examples) = table.Checks.Outside(declared, index);
                if (outside > 0)
                {
                    var share = outside / (double)Math.Max(1, table.RowCount);
                    add(AnomalyCodes.OutOfDomain, expected.Name, outside, examples,
                        $"{outside:N0} values of '{expected.Name}' ({share:0.##%}) are not among the {levels.Count} levels of {source}.",
                        declared && share > options.MaxOutOfDomainShare ? AnomalySeverity.Error : AnomalySeverity.Warning);
                }
            }
            if (!actual.Kind.IsString() && (expected.Min is not null || expected.Max is not null))
            {
                var (outside, examples) = table.Checks.Outside(declared, index);
                if (outside > 0)
                {
                    var share = outside / (double)Math.Max(1, table.RowCount);
                    add(AnomalyCodes.OutOfRange, expected.Name, outside, examples,
                        $"{outside:N0} values of '{expected.Name}' ({share:0.##%}) are outside [{expected.Min}, {expected.Max}] of {source}.",
                        declared && share > options.MaxOutOfDomainShare ? AnomalySeverity.Error : AnomalySeverity.Warning);
                }
            }
        }
        foreach (var column in table.Schema.Columns)
        {
            if (schema.Find(column.Name) is null)
            {
                add(AnomalyCodes.NewColumn, column.Name, table.RowCount, [],
                    $"'{column.Name}' is not in {source}.", AnomalySeverity.Warning);
            }
        }
    }

    /// <summary>Cells a spreadsheet would treat as a formula: starting with = + - @ (or tab/CR), and not a plain number.</summary>
    internal static bool IsFormulaLike(string value) =>
        value.Length > 1 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r' && !CellText.TryParseNumber(value, out _);

    internal static long FormulaLike(string?[] values, int maxExamples, out List<string> examples)
    {
        examples = [];
        long count = 0;
        string? last = null;
        var lastWas = false;
        foreach (var v in values)
        {
            if (v is null) continue;
            if (!ReferenceEquals(v, last))
            {
                last = v;
                lastWas = IsFormulaLike(v);
            }
            if (lastWas)
            {
                count++;
                if (examples.Count < maxExamples && !examples.Contains(v)) examples.Add(v);
            }
        }
        return count;
    }

    private static string Describe(ColumnKind kind) => kind switch
    {
        ColumnKind.Numeric => "numbers",
        ColumnKind.Boolean => "true/false values",
        ColumnKind.Datetime => "dates",
        ColumnKind.Text => "text",
        _ => "categories",
    };
}

/// <summary>
/// The counts <see cref="DataValidator"/> needs from the values themselves, taken chunk by chunk: missing labels,
/// formula-like cells per string column, and values outside the declared and production schemas' domains and ranges.
/// </summary>
public sealed class DataChecks
{
    private readonly TableSchema _schema;
    private readonly int _label;
    private readonly int _maxExamples;
    private readonly (long Count, List<string> Examples)[] _formulas;
    private readonly Check?[] _declared;
    private readonly Check?[] _production;

    public DataChecks(TableSchema schema, ValidationContext? context, DataValidationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(schema);
        context ??= new ValidationContext();
        _schema = schema;
        _maxExamples = (options ?? DataValidationOptions.Default).MaxExamples;
        _label = string.IsNullOrWhiteSpace(context.Label) ? -1 : schema.IndexOf(context.Label);
        _formulas = schema.Columns.Select(_ => (0L, new List<string>())).ToArray();
        _declared = Plan(context.DeclaredSchema, declared: true);
        _production = Plan(context.ProductionSchema, declared: false);
    }

    /// <summary>Rows without a label.</summary>
    public long LabelMissing { get; private set; }

    /// <summary>Counts what the chunk's rows hold.</summary>
    public void Add(Table chunk)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        if (_label >= 0)
        {
            LabelMissing += chunk.Column(_label) switch
            {
                double[] d => d.LongCount(double.IsNaN),
                string?[] s => s.LongCount(v => v is null),
                _ => 0,
            };
        }
        for (var c = 0; c < chunk.ColumnCount; c++)
        {
            if (_schema.Columns[c].Kind.IsString())
            {
                var count = DataValidator.FormulaLike(chunk.Categorical(c), _maxExamples, out var examples);
                if (count > 0)
                {
                    var (total, kept) = _formulas[c];
                    kept.AddRange(examples.Where(e => !kept.Contains(e)).Take(_maxExamples - kept.Count));
                    _formulas[c] = (total + count, kept);
                }
            }
            _declared[c]?.Add(chunk.Column(c), _maxExamples);
            _production[c]?.Add(chunk.Column(c), _maxExamples);
        }
    }

    internal (long Count, List<string> Examples) Formulas(int column) => _formulas[column];

    internal (long Count, List<string> Examples) Outside(bool declared, int column) =>
        (declared ? _declared : _production)[column] is { } check ? (check.Count, check.Examples) : (0, []);

    private Check?[] Plan(TableSchema? expected, bool declared)
    {
        var checks = new Check?[_schema.Columns.Count];
        if (expected is null)
        {
            return checks;
        }
        for (var c = 0; c < checks.Length; c++)
        {
            var actual = _schema.Columns[c];
            if (expected.Find(actual.Name) is not { } want || (actual.Kind != want.Kind && !(actual.Kind.IsString() && want.Kind.IsString())))
            {
                continue;
            }
            var domainIsComplete = declared || (want.Categories?.Count ?? int.MaxValue) < TableSchema.DefaultMaxCategories;
            if (actual.Kind.IsString() && want.Categories is { Count: > 0 } levels && domainIsComplete)
            {
                checks[c] = new Check(new HashSet<string>(levels, StringComparer.Ordinal), double.NegativeInfinity, double.PositiveInfinity);
            }
            else if (!actual.Kind.IsString() && (want.Min is not null || want.Max is not null))
            {
                checks[c] = new Check(null, want.Min ?? double.NegativeInfinity, want.Max ?? double.PositiveInfinity);
            }
        }
        return checks;
    }

    private sealed class Check(HashSet<string>? domain, double min, double max)
    {
        public long Count { get; private set; }

        public List<string> Examples { get; } = [];

        public void Add(object values, int maxExamples)
        {
            if (values is string?[] strings && domain is not null)
            {
                foreach (var v in strings)
                {
                    if (v is not null && !domain.Contains(v))
                    {
                        Count++;
                        if (Examples.Count < maxExamples && !Examples.Contains(v)) Examples.Add(v);
                    }
                }
            }
            else if (values is double[] numbers)
            {
                foreach (var v in numbers)
                {
                    if (v < min || v > max)
                    {
                        Count++;
                        if (Examples.Count < maxExamples) Examples.Add(CellText.FormatNumber(v)!);
                    }
                }
            }
        }
    }
}
