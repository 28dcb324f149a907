namespace ModelOps.Core.Data;

/// <summary>The cleaned table, the rows taken out with why, and the plan that was applied.</summary>
public sealed record CleaningResult(Table Table, IReadOnlyList<RejectedRow> Rejected, CleaningReport Report);

/// <summary>A JSON-serialisable record of one cleaning: what was dropped, what was filled in and with what.</summary>
/// <param name="Imputations">One entry per feature column kept (the label excluded), also where nothing was missing,
/// so the same fill values can be applied to new data with <see cref="Cleaner.Impute"/>.</param>
/// <param name="ConstantColumns">Columns with a single distinct value after cleaning; they carry no information.</param>
/// <param name="DroppedColumns">Columns removed, with why (every value missing).</param>
public sealed record CleaningReport(
    string LabelColumn,
    int RowsIn,
    int RowsOut,
    int MissingLabelRowsDropped,
    int DuplicateRowsDropped,
    IReadOnlyList<ColumnImputation> Imputations,
    IReadOnlyList<string> ConstantColumns,
    IReadOnlyList<DroppedColumn> DroppedColumns);

/// <summary>How missing values in one column are filled.</summary>
/// <param name="Strategy"><c>median</c> for numeric columns, <c>most_frequent</c> for categorical and boolean ones.</param>
/// <param name="Imputed">How many cells were filled in this cleaning.</param>
/// <param name="Number">The fill value of a numeric or boolean (1/0) column.</param>
/// <param name="Category">The fill value of a categorical column.</param>
public sealed record ColumnImputation(string Column, ColumnKind Kind, string Strategy, int Imputed, double? Number, string? Category);

/// <summary>A column the cleaning removed, with why.</summary>
public sealed record DroppedColumn(string Column, string Reason);

/// <summary>
/// Cleans a table for training: drops rows without a label, drops exact duplicate rows (keeping the first), drops
/// columns with no values, fills missing values (numeric: median; categorical and boolean: most frequent) and notes
/// constant columns. Everything it does is recorded in a <see cref="CleaningReport"/>.
/// </summary>
public static class Cleaner
{
    public const string MedianStrategy = "median";
    public const string MostFrequentStrategy = "most_frequent";

    /// <summary>Cleans <paramref name="table"/> around its label column.</summary>
    /// <param name="rowNumbers">Each row's number in the source file (see <see cref="CsvReadResult.RowNumbers"/>);
    /// null numbers rows as a file with a header would: 2, 3, ...</param>
    /// <exception cref="DataFileException"><c>label_missing</c> or <c>all_labels_missing</c>.</exception>
    public static CleaningResult Clean(Table table, string labelColumn, IReadOnlyList<long>? rowNumbers = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentException.ThrowIfNullOrWhiteSpace(labelColumn);
        if (rowNumbers is not null && rowNumbers.Count != table.RowCount)
        {
            throw new ArgumentException($"{rowNumbers.Count} row numbers were given for {table.RowCount} rows.", nameof(rowNumbers));
        }
        var label = table.Schema.IndexOf(labelColumn);
        if (label < 0)
        {
            var names = table.Schema.Columns.Select(c => c.Name).ToArray();
            throw new DataFileException(DataFileErrorCodes.LabelMissing,
                $"The label column '{labelColumn}' is not in the data. Its columns are: {string.Join(", ", names.Take(30))}{(names.Length > 30 ? ", ..." : "")}.");
        }
        long RowNumber(int row) => rowNumbers?[row] ?? row + 2L;

        var rejected = new List<RejectedRow>();
        var kept = new List<int>(table.RowCount);
        for (var r = 0; r < table.RowCount; r++)
        {
            if (IsMissing(table, label, r))
            {
                rejected.Add(new RejectedRow(RowNumber(r), "label is missing", CellText.FormatRow(table, r)));
            }
            else
            {
                kept.Add(r);
            }
        }
        var missingLabels = rejected.Count;
        if (kept.Count == 0)
        {
            throw new DataFileException(DataFileErrorCodes.AllLabelsMissing,
                $"Every row ({table.RowCount:N0}) is missing a value in the label column '{table.Schema.Columns[label].Name}', so there is nothing to learn from.");
        }

        var firstOf = new Dictionary<int, int>(new RowComparer(table));
        var unique = new List<int>(kept.Count);
        foreach (var r in kept)
        {
            if (firstOf.TryGetValue(r, out var first))
            {
                rejected.Add(new RejectedRow(RowNumber(r), $"exact duplicate of row {RowNumber(first)}", CellText.FormatRow(table, r)));
            }
            else
            {
                firstOf.Add(r, r);
                unique.Add(r);
            }
        }
        var duplicates = rejected.Count - missingLabels;

        var rows = table.SelectRows(unique);
        var dropped = new List<DroppedColumn>();
        var keptColumns = new List<string>();
        for (var c = 0; c < rows.ColumnCount; c++)
        {
            if (c != label && Enumerable.Range(0, rows.RowCount).All(r => IsMissing(rows, c, r)))
            {
                dropped.Add(new DroppedColumn(rows.Schema.Columns[c].Name, "every value is missing"));
            }
            else
            {
                keptColumns.Add(rows.Schema.Columns[c].Name);
            }
        }
        if (dropped.Count > 0)
        {
            rows = rows.SelectColumns(keptColumns);
        }

        var labelName = table.Schema.Columns[label].Name;
        var imputations = rows.Schema.Columns
            .Select((column, c) => (column, c))
            .Where(x => !string.Equals(x.column.Name, labelName, StringComparison.OrdinalIgnoreCase))
            .Select(x => PlanImputation(rows, x.c))
            .ToArray();
        var cleaned = Impute(rows, imputations, out var counts);
        imputations = imputations.Select(i => i with { Imputed = counts.GetValueOrDefault(i.Column) }).ToArray();
        cleaned = new Table(TableSchema.Infer(cleaned), Enumerable.Range(0, cleaned.ColumnCount).Select(cleaned.Column).ToArray());

        var constant = Enumerable.Range(0, cleaned.ColumnCount).Where(c => IsConstant(cleaned, c))
            .Select(c => cleaned.Schema.Columns[c].Name).ToArray();
        rejected.Sort((a, b) => a.RowNumber.CompareTo(b.RowNumber));
        var report = new CleaningReport(labelName, table.RowCount, cleaned.RowCount, missingLabels, duplicates,
            imputations, constant, dropped);
        return new CleaningResult(cleaned, rejected, report);
    }

    /// <summary>
    /// Fills missing values in <paramref name="table"/> with the values recorded in <paramref name="plan"/> (columns the
    /// plan does not name are left alone): the same treatment new data gets at scoring time.
    /// </summary>
    public static Table Impute(Table table, CleaningReport plan)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(plan);
        return Impute(table, plan.Imputations, out _);
    }

    private static Table Impute(Table table, IReadOnlyList<ColumnImputation> imputations, out Dictionary<string, int> counts)
    {
        counts = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var columns = new object[table.ColumnCount];
        for (var c = 0; c < columns.Length; c++)
        {
            var name = table.Schema.Columns[c].Name;
            var plan = imputations.FirstOrDefault(i => string.Equals(i.Column, name, StringComparison.OrdinalIgnoreCase));
            var filled = 0;
            switch (table.Column(c))
            {
                case double[] numbers when plan?.Number is { } fill:
                    var n = (double[])numbers.Clone();
                    for (var r = 0; r < n.Length; r++)
                    {
                        if (double.IsNaN(n[r])) { n[r] = fill; filled++; }
                    }
                    columns[c] = n;
                    break;
                case string?[] strings when plan?.Category is { } level:
                    var s = (string?[])strings.Clone();
                    for (var r = 0; r < s.Length; r++)
                    {
                        if (s[r] is null) { s[r] = level; filled++; }
                    }
                    columns[c] = s;
                    break;
                default:
                    columns[c] = table.Column(c);
                    break;
            }
            counts[name] = filled;
        }
        return new Table(table.Schema, columns);
    }

    private static ColumnImputation PlanImputation(Table table, int c)
    {
        var column = table.Schema.Columns[c];
        switch (column.Kind)
        {
            case ColumnKind.Categorical:
                var levels = SchemaInference.CountLevels(table.Categorical(c), out _);
                return new ColumnImputation(column.Name, column.Kind, MostFrequentStrategy, 0, null, levels[0].Value);
            case ColumnKind.Boolean:
                var values = table.Numeric(c);
                var ones = values.Count(v => v == 1);
                var zeros = values.Count(v => v == 0);
                return new ColumnImputation(column.Name, column.Kind, MostFrequentStrategy, 0, ones > zeros ? 1 : 0, null);
            default:
                return new ColumnImputation(column.Name, column.Kind, MedianStrategy, 0, Median(table.Numeric(c)), null);
        }
    }

    private static double Median(double[] values)
    {
        var present = values.Where(v => !double.IsNaN(v)).ToArray();
        Array.Sort(present);
        var mid = present.Length / 2;
        return present.Length % 2 == 1 ? present[mid] : (present[mid - 1] + present[mid]) / 2;
    }

    private static bool IsMissing(Table table, int column, int row) => table.Column(column) switch
    {
        double[] d => double.IsNaN(d[row]),
        string?[] s => s[row] is null,
        _ => false,
    };

    private static bool IsConstant(Table table, int column) => table.Column(column) switch
    {
        double[] d => d.Where(v => !double.IsNaN(v)).Distinct().Take(2).Count() <= 1,
        string?[] s => s.Where(v => v is not null).Distinct(StringComparer.Ordinal).Take(2).Count() <= 1,
        _ => false,
    };

    /// <summary>Compares rows of one table by every value; NaN equals NaN and null equals null.</summary>
    private sealed class RowComparer(Table table) : IEqualityComparer<int>
    {
        public bool Equals(int x, int y)
        {
            for (var c = 0; c < table.ColumnCount; c++)
            {
                var same = table.Column(c) switch
                {
                    double[] d => d[x].Equals(d[y]),
                    string?[] s => string.Equals(s[x], s[y], StringComparison.Ordinal),
                    _ => true,
                };
                if (!same)
                {
                    return false;
                }
            }
            return true;
        }

        public int GetHashCode(int row)
        {
            var hash = new HashCode();
            for (var c = 0; c < table.ColumnCount; c++)
            {
                switch (table.Column(c))
                {
                    case double[] d: hash.Add(d[row]); break;
                    case string?[] s: hash.Add(s[row], StringComparer.Ordinal); break;
                }
            }
            return hash.ToHashCode();
        }
    }
}
