namespace ModelOps.Core.Data;

/// <summary>The cleaned table, the rows taken out with why, and the plan that was applied.</summary>
public sealed record CleaningResult(Table Table, IReadOnlyList<RejectedRow> Rejected, CleaningReport Report);

/// <summary>A JSON-serialisable record of one cleaning: what was dropped, what was filled in and with what.</summary>
/// <param name="Imputations">One entry per feature column kept (the label excluded), also where nothing was missing,
/// so the same fill values can be applied to new data with <see cref="Cleaner.Impute"/>.</param>
/// <param name="ConstantColumns">Columns with a single distinct value after cleaning; they carry no information.</param>
/// <param name="DroppedColumns">Columns removed, with why (every value missing).</param>
/// <param name="Clips">Outlier clipping per numeric feature (empty when <see cref="CleaningOptions.Outliers"/> is None);
/// applied again to new data by <see cref="Cleaner.Apply"/>.</param>
public sealed record CleaningReport(
    string LabelColumn,
    int RowsIn,
    int RowsOut,
    int MissingLabelRowsDropped,
    int DuplicateRowsDropped,
    IReadOnlyList<ColumnImputation> Imputations,
    IReadOnlyList<string> ConstantColumns,
    IReadOnlyList<DroppedColumn> DroppedColumns,
    IReadOnlyList<ColumnClip>? Clips = null);

/// <summary>Outlier clipping of one numeric column: values below <see cref="Lower"/> or above <see cref="Upper"/> are set to them.</summary>
/// <param name="Method"><c>quantile</c> or <c>iqr</c>.</param>
/// <param name="Clipped">How many values this cleaning clipped.</param>
/// <param name="Estimated">True when <paramref name="Clipped"/> is estimated from the sample the bounds come from (a column
/// of more than 32,768 values in the streaming pass), as the bounds are.</param>
public sealed record ColumnClip(string Column, string Method, double Lower, double Upper, int Clipped, bool Estimated = false);

/// <summary>How missing values in one column are filled.</summary>
/// <param name="Strategy"><c>median</c> for numeric and datetime columns, <c>most_frequent</c> for categorical and boolean ones,
/// <c>missing_level</c> for categorical ones with <see cref="CategoricalImputation.MissingLevel"/>.</param>
/// <param name="Imputed">How many cells were filled in this cleaning.</param>
/// <param name="Number">The fill value of a numeric or boolean (1/0) column.</param>
/// <param name="Category">The fill value of a categorical column.</param>
public sealed record ColumnImputation(string Column, ColumnKind Kind, string Strategy, int Imputed, double? Number, string? Category);

/// <summary>A column the cleaning removed, with why.</summary>
public sealed record DroppedColumn(string Column, string Reason);

/// <summary>
/// Cleans a table for training: drops rows without a label, drops exact duplicate rows (keeping the first), drops
/// columns with no values, fills missing values (numeric and datetime: median; categorical: most frequent or an explicit
/// level; boolean: most frequent), optionally clips numeric outliers, and notes constant columns. Everything it does is
/// recorded in a <see cref="CleaningReport"/>, which <see cref="Apply"/> replays on new data. Text coercion ("1,234.5",
/// yes/no, ISO dates) and trimming happen while reading and are counted in the read report.
/// </summary>
public static class Cleaner
{
    public const string MedianStrategy = "median";
    public const string MostFrequentStrategy = "most_frequent";
    public const string MissingLevelStrategy = "missing_level";
    public const string QuantileClip = "quantile";
    public const string IqrClip = "iqr";

    /// <summary>Cleans <paramref name="table"/> around its label column with the default options.</summary>
    /// <param name="rowNumbers">Each row's number in the source file (see <see cref="CsvReadResult.RowNumbers"/>);
    /// null numbers rows as a file with a header would: 2, 3, ...</param>
    /// <exception cref="DataFileException"><c>label_missing</c> or <c>all_labels_missing</c>.</exception>
    public static CleaningResult Clean(Table table, string labelColumn, IReadOnlyList<long>? rowNumbers = null) =>
        Clean(table, labelColumn, CleaningOptions.Default, rowNumbers);

    /// <summary>Cleans <paramref name="table"/> around its label column.</summary>
    /// <exception cref="DataFileException"><c>label_missing</c> or <c>all_labels_missing</c>.</exception>
    public static CleaningResult Clean(Table table, string labelColumn, CleaningOptions options, IReadOnlyList<long>? rowNumbers = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentException.ThrowIfNullOrWhiteSpace(labelColumn);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
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
        var labelValues = table.Column(label);
        var labelNumbers = labelValues as double[];
        var labelStrings = labelValues as string?[];
        for (var r = 0; r < table.RowCount; r++)
        {
            if (labelNumbers is not null ? double.IsNaN(labelNumbers[r]) : labelStrings![r] is null)
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

        var unique = kept;
        if (options.DropDuplicates)
        {
            var firstOf = new RowSet(table, kept.Count);
            unique = new List<int>(kept.Count);
            foreach (var r in kept)
            {
                var first = firstOf.AddOrGetFirst(r);
                if (first != r)
                {
                    rejected.Add(new RejectedRow(RowNumber(r), $"exact duplicate of row {RowNumber(first)}", CellText.FormatRow(table, r)));
                }
                else
                {
                    unique.Add(r);
                }
            }
        }
        var duplicates = rejected.Count - missingLabels;

        var rows = unique.Count == table.RowCount ? table : table.SelectRows(unique.ToArray());
        var owned = !ReferenceEquals(rows, table); // columns of a new table may be changed in place
        var dropped = new List<DroppedColumn>();
        var keptColumns = new List<string>();
        for (var c = 0; c < rows.ColumnCount; c++)
        {
            if (c != label && AllMissing(rows.Column(c)))
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
        var features = Enumerable.Range(0, rows.ColumnCount)
            .Where(c => !string.Equals(rows.Schema.Columns[c].Name, labelName, StringComparison.OrdinalIgnoreCase)).ToArray();
        var imputations = new ColumnImputation[features.Length];
        var clips = new List<ColumnClip>();
        Parallel.For(0, features.Length, i => imputations[i] = PlanImputation(rows, features[i], options));
        if (options.Outliers != OutlierMethod.None)
        {
            foreach (var c in features.Where(c => rows.Schema.Columns[c].Kind == ColumnKind.Numeric))
            {
                if (PlanClip(rows.Schema.Columns[c].Name, rows.Numeric(c), options) is { } clip)
                {
                    clips.Add(clip);
                }
            }
        }
        var cleaned = Apply(rows, imputations, clips, owned, out var imputed, out var clipped);
        imputations = imputations.Select(i => i with { Imputed = imputed.GetValueOrDefault(i.Column) }).ToArray();
        var clipReport = clips.Select(c => c with { Clipped = clipped.GetValueOrDefault(c.Column) }).ToArray();
        cleaned = new Table(TableSchema.Infer(cleaned), Enumerable.Range(0, cleaned.ColumnCount).Select(cleaned.Column).ToArray());

        var constant = Enumerable.Range(0, cleaned.ColumnCount).Where(c => IsConstant(cleaned.Column(c)))
            .Select(c => cleaned.Schema.Columns[c].Name).ToArray();
        rejected.Sort((a, b) => a.RowNumber.CompareTo(b.RowNumber));
        var report = new CleaningReport(labelName, table.RowCount, cleaned.RowCount, missingLabels, duplicates,
            imputations, constant, dropped, clipReport);
        return new CleaningResult(cleaned, rejected, report);
    }

    /// <summary>
    /// Fills missing values in <paramref name="table"/> with the values recorded in <paramref name="plan"/> (columns the
    /// plan does not name are left alone): the same treatment new data gets at scoring time. Does not clip; see <see cref="Apply"/>.
    /// </summary>
    public static Table Impute(Table table, CleaningReport plan)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(plan);
        return Apply(table, plan.Imputations, [], owned: false, out _, out _);
    }

    /// <summary>Replays a recorded plan on new data: imputation and outlier clipping, never dropping rows. The input is not changed.</summary>
    public static Table Apply(Table table, CleaningReport plan)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(plan);
        return Apply(table, plan.Imputations, plan.Clips ?? [], owned: false, out _, out _);
    }

    internal static Table Apply(Table table, IReadOnlyList<ColumnImputation> imputations, IReadOnlyList<ColumnClip> clips, bool owned,
        out Dictionary<string, int> imputedCounts, out Dictionary<string, int> clippedCounts)
    {
        var imputedByColumn = new int[table.ColumnCount];
        var clippedByColumn = new int[table.ColumnCount];
        var columns = new object[table.ColumnCount];
        Parallel.For(0, columns.Length, c =>
        {
            var name = table.Schema.Columns[c].Name;
            var plan = imputations.FirstOrDefault(i => string.Equals(i.Column, name, StringComparison.OrdinalIgnoreCase));
            var clip = clips.FirstOrDefault(i => string.Equals(i.Column, name, StringComparison.OrdinalIgnoreCase));
            switch (table.Column(c))
            {
                case double[] numbers when plan?.Number is not null || clip is not null:
                    columns[c] = FillAndClip(numbers, plan?.Number, clip, owned, out imputedByColumn[c], out clippedByColumn[c]);
                    break;
                case string?[] strings when plan?.Category is { } level && Array.IndexOf(strings, null) >= 0:
                    var s = owned ? strings : (string?[])strings.Clone();
                    var filled = 0;
                    for (var r = 0; r < s.Length; r++)
                    {
                        if (s[r] is null) { s[r] = level; filled++; }
                    }
                    imputedByColumn[c] = filled;
                    columns[c] = s;
                    break;
                default:
                    columns[c] = table.Column(c);
                    break;
            }
        });
        imputedCounts = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        clippedCounts = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var c = 0; c < columns.Length; c++)
        {
            imputedCounts[table.Schema.Columns[c].Name] = imputedByColumn[c];
            clippedCounts[table.Schema.Columns[c].Name] = clippedByColumn[c];
        }
        return new Table(table.Schema, columns);
    }

    private static double[] FillAndClip(double[] values, double? fill, ColumnClip? clip, bool owned, out int filled, out int clipped)
    {
        var lower = clip?.Lower ?? double.NegativeInfinity;
        var upper = clip?.Upper ?? double.PositiveInfinity;
        var fillValue = fill ?? double.NaN;
        filled = 0;
        clipped = 0;
        double[]? result = owned ? values : null;
        for (var r = 0; r < values.Length; r++)
        {
            var v = values[r];
            double replacement;
            if (double.IsNaN(v))
            {
                if (fill is null) continue;
                replacement = fillValue;
                filled++;
            }
            else if (v < lower) { replacement = lower; clipped++; }
            else if (v > upper) { replacement = upper; clipped++; }
            else continue;
            result ??= (double[])values.Clone();
            result[r] = replacement;
        }
        return result ?? values;
    }

    private static ColumnImputation PlanImputation(Table table, int c, CleaningOptions options)
    {
        var column = table.Schema.Columns[c];
        switch (column.Kind)
        {
            case ColumnKind.Categorical or ColumnKind.Text when options.Categorical == CategoricalImputation.MissingLevel:
                return new ColumnImputation(column.Name, column.Kind, MissingLevelStrategy, 0, null, options.MissingLevel);
            case ColumnKind.Categorical or ColumnKind.Text:
                var levels = SchemaInference.CountLevels(table.Categorical(c), out _);
                return new ColumnImputation(column.Name, column.Kind, MostFrequentStrategy, 0, null, levels[0].Value);
            case ColumnKind.Boolean:
                var values = table.Numeric(c);
                int ones = 0, zeros = 0;
                foreach (var v in values)
                {
                    if (v == 1) ones++;
                    else if (v == 0) zeros++;
                }
                return new ColumnImputation(column.Name, column.Kind, MostFrequentStrategy, 0, ones > zeros ? 1 : 0, null);
            default:
                return new ColumnImputation(column.Name, column.Kind, MedianStrategy, 0, Median(table.Numeric(c)), null);
        }
    }

    private static ColumnClip? PlanClip(string name, double[] values, CleaningOptions options)
    {
        var present = values.Where(double.IsFinite).ToArray();
        if (present.Length < 4)
        {
            return null;
        }
        Array.Sort(present);
        var sorted = new List<double>(present);
        if (options.Outliers == OutlierMethod.Quantile)
        {
            return new ColumnClip(name, QuantileClip, Profiler.Quantile(sorted, options.LowerQuantile), Profiler.Quantile(sorted, options.UpperQuantile), 0);
        }
        var q1 = Profiler.Quantile(sorted, 0.25);
        var q3 = Profiler.Quantile(sorted, 0.75);
        var k = options.IqrMultiplier * (q3 - q1);
        return new ColumnClip(name, IqrClip, q1 - k, q3 + k, 0);
    }

    /// <summary>The exact median of the non-missing values, by selection rather than a full sort.</summary>
    internal static double Median(double[] values)
    {
        var present = new double[values.Length];
        var n = 0;
        foreach (var v in values)
        {
            if (!double.IsNaN(v)) present[n++] = v;
        }
        if (n == 0)
        {
            return double.NaN;
        }
        var mid = n / 2;
        var upper = Select(present, n, mid);
        if (n % 2 == 1)
        {
            return upper;
        }
        // After selecting mid, everything left of it is <= it: the lower middle is their maximum.
        var lower = double.NegativeInfinity;
        for (var i = 0; i < mid; i++) lower = Math.Max(lower, present[i]);
        return (lower + upper) / 2;
    }

    /// <summary>Hoare's quickselect: the k-th smallest of a[0..n), leaving smaller values left of k.</summary>
    private static double Select(double[] a, int n, int k)
    {
        int lo = 0, hi = n - 1;
        while (lo < hi)
        {
            var pivot = a[lo + ((hi - lo) >> 1)];
            int i = lo, j = hi;
            while (i <= j)
            {
                while (a[i] < pivot) i++;
                while (a[j] > pivot) j--;
                if (i <= j)
                {
                    (a[i], a[j]) = (a[j], a[i]);
                    i++;
                    j--;
                }
            }
            if (k <= j) hi = j;
            else if (k >= i) lo = i;
            else break;
        }
        return a[k];
    }

    private static bool AllMissing(object column) => column switch
    {
        double[] d => Array.FindIndex(d, v => !double.IsNaN(v)) < 0,
        string?[] s => Array.FindIndex(s, v => v is not null) < 0,
        _ => false,
    };

    private static bool IsConstant(object column)
    {
        switch (column)
        {
            case double[] d:
                var first = double.NaN;
                foreach (var v in d)
                {
                    if (double.IsNaN(v)) continue;
                    if (double.IsNaN(first)) first = v;
                    else if (v != first) return false;
                }
                return true;
            case string?[] s:
                string? level = null;
                foreach (var v in s)
                {
                    if (v is null) continue;
                    if (level is null) level = v;
                    else if (!ReferenceEquals(v, level) && !string.Equals(v, level, StringComparison.Ordinal)) return false;
                }
                return true;
            default:
                return false;
        }
    }

    /// <summary>A hash of every row, built column by column (cache-friendly); NaN equals NaN, null equals null.</summary>
    private static int[] RowHashes(Table table)
    {
        var hashes = new int[table.RowCount];
        for (var c = 0; c < table.ColumnCount; c++)
        {
            switch (table.Column(c))
            {
                case double[] d:
                    for (var r = 0; r < d.Length; r++)
                    {
                        var bits = double.IsNaN(d[r]) ? -1L : BitConverter.DoubleToInt64Bits(d[r] == 0 ? 0.0 : d[r]);
                        hashes[r] = (hashes[r] * -1521134295) + (int)bits + (int)(bits >> 32) * 31;
                    }
                    break;
                case string?[] s:
                    string? last = null;
                    var lastHash = 0;
                    for (var r = 0; r < s.Length; r++)
                    {
                        var v = s[r];
                        if (!ReferenceEquals(v, last))
                        {
                            last = v;
                            lastHash = v is null ? 17 : string.GetHashCode(v, StringComparison.Ordinal);
                        }
                        hashes[r] = (hashes[r] * -1521134295) + lastHash;
                    }
                    break;
            }
        }
        return hashes;
    }

    /// <summary>
    /// An open-addressing set of rows keyed by their values (hashes precomputed column by column), for finding exact
    /// duplicates: NaN equals NaN, null equals null, 0 equals -0.
    /// </summary>
    private sealed class RowSet
    {
        private readonly Table _table;
        private readonly int[] _hashes;
        private readonly int[] _slots; // row + 1; 0 = empty
        private readonly int _mask;
        private readonly int _shift;

        public RowSet(Table table, int capacity)
        {
            _table = table;
            _hashes = RowHashes(table);
            var bits = 4;
            while ((1L << bits) < capacity * 2L) bits++;
            _slots = new int[1 << bits];
            _mask = (1 << bits) - 1;
            _shift = 32 - bits;
        }

        /// <summary>Adds the row unless an equal row is there already; returns the row that holds these values first.</summary>
        public int AddOrGetFirst(int row)
        {
            var hash = _hashes[row];
            var slot = (int)(((uint)hash * 2654435769u) >> _shift); // Fibonacci hashing spreads similar hashes
            while (true)
            {
                var occupant = _slots[slot] - 1;
                if (occupant < 0)
                {
                    _slots[slot] = row + 1;
                    return row;
                }
                if (_hashes[occupant] == hash && SameValues(occupant, row))
                {
                    return occupant;
                }
                slot = (slot + 1) & _mask;
            }
        }

        private bool SameValues(int x, int y)
        {
            for (var c = 0; c < _table.ColumnCount; c++)
            {
                var same = _table.Column(c) switch
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
    }
}
