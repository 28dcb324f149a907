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
        var found = new List<Anomaly>();
        void Add(string code, string? column, long count, IEnumerable<string> examples, string message, AnomalySeverity severity)
        {
            var final = options.Severities.TryGetValue(code, out var overridden) ? overridden : severity;
            found.Add(new Anomaly(code, column, count, examples.Take(options.MaxExamples).ToArray(), message, final));
        }

        var rows = table.RowCount;
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

    private static void CheckLabel(Table table, string? label, AddAnomaly add)
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
        var missing = CountMissing(table.Column(index));
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

    private static void CheckColumn(Table table, int c, FeatureProfile feature, ValidationContext context, DataValidationOptions options, AddAnomaly add)
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
            var formulas = FormulaLike(table.Categorical(c), options.MaxExamples, out var examples);
            if (formulas > 0)
            {
                add(AnomalyCodes.FormulaLikeValues, column.Name, formulas, examples,
                    $"{formulas:N0} values of '{column.Name}' start with = + - or @ and would run as formulas in a spreadsheet; quarantine files escape them.",
                    AnomalySeverity.Warning);
            }
        }
    }

    private static void CheckSchema(Table table, TableSchema? schema, bool declared, DataValidationOptions options, AddAnomaly add)
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
                var domain = new HashSet<string>(levels, StringComparer.Ordinal);
                var values = table.Categorical(index);
                long outside = 0;
                var examples = new List<string>();
                foreach (var v in values)
                {
                    if (v is not null && !domain.Contains(v))
                    {
                        outside++;
                        if (examples.Count < options.MaxExamples && !examples.Contains(v)) examples.Add(v);
                    }
                }
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
                var min = expected.Min ?? double.NegativeInfinity;
                var max = expected.Max ?? double.PositiveInfinity;
                long outside = 0;
                var examples = new List<string>();
                foreach (var v in table.Numeric(index))
                {
                    if (v < min || v > max)
                    {
                        outside++;
                        if (examples.Count < options.MaxExamples) examples.Add(CellText.FormatNumber(v)!);
                    }
                }
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

    private static long FormulaLike(string?[] values, int maxExamples, out List<string> examples)
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

    private static long CountMissing(object column) => column switch
    {
        double[] d => d.LongCount(double.IsNaN),
        string?[] s => s.LongCount(v => v is null),
        _ => 0,
    };

    private static string Describe(ColumnKind kind) => kind switch
    {
        ColumnKind.Numeric => "numbers",
        ColumnKind.Boolean => "true/false values",
        ColumnKind.Datetime => "dates",
        ColumnKind.Text => "text",
        _ => "categories",
    };
}
