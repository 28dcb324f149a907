using System.Runtime.InteropServices;

namespace ModelOps.Core.Data;

/// <summary>
/// The second streaming pass: applies a <see cref="CleaningPlan"/> to the chunks of the first pass (dropping the rows it
/// set aside and the empty columns, filling and clipping), splits the rows into training and held-out sets, and writes
/// each set through its own sink as it goes. Keeps only per-column summaries: the cleaned schema, constant columns and
/// the fill and clip counts for the <see cref="CleaningReport"/>.
/// </summary>
public sealed class CleanedWriter
{
    private readonly CleaningPlan _plan;
    private readonly int[] _keptColumns;
    private readonly TableSchema _schema;
    private readonly int _label;
    private readonly HoldoutSplitter? _splitter;
    private readonly Action<Table, IReadOnlyList<int>?> _train;
    private readonly Action<Table, IReadOnlyList<int>?>? _holdout;
    private readonly SchemaStats[] _stats;
    private readonly Dictionary<string, int> _imputed = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, int> _clipped = new(StringComparer.OrdinalIgnoreCase);
    private long _row;

    /// <param name="inputSchema">The schema of the first pass's chunks.</param>
    /// <param name="train">Receives the cleaned rows (all of them without a splitter), with the rows to take.</param>
    /// <param name="holdout">Receives the held-out rows; with <paramref name="splitter"/> only.</param>
    public CleanedWriter(TableSchema inputSchema, CleaningPlan plan, Action<Table, IReadOnlyList<int>?> train,
        HoldoutSplitter? splitter = null, Action<Table, IReadOnlyList<int>?>? holdout = null)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(train);
        _plan = plan;
        _train = train;
        _holdout = holdout;
        _splitter = splitter;
        var dropped = plan.DroppedColumns.Select(d => d.Column).ToHashSet(StringComparer.OrdinalIgnoreCase);
        _keptColumns = Enumerable.Range(0, inputSchema.Columns.Count).Where(c => !dropped.Contains(inputSchema.Columns[c].Name)).ToArray();
        _schema = new TableSchema(_keptColumns.Select(c => new ColumnSchema(inputSchema.Columns[c].Name, inputSchema.Columns[c].Kind)).ToArray());
        _label = _schema.IndexOf(plan.LabelColumn);
        _stats = _schema.Columns.Select(c => new SchemaStats(c)).ToArray();
    }

    /// <summary>The columns of the cleaned rows (kinds only; <see cref="Complete"/> gives ranges and levels).</summary>
    public TableSchema Schema => _schema;

    public long TrainRows { get; private set; }

    public long HoldoutRows { get; private set; }

    /// <summary>Cleans the chunk's kept rows (<paramref name="kept"/> by position in the chunk; null = all) and passes them on.</summary>
    /// <param name="owned">True when the chunk's arrays may be changed in place (e.g. just read from a chunk file).</param>
    public void Add(Table chunk, Func<int, bool>? kept = null, bool owned = false)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        var rows = new List<int>(chunk.RowCount);
        for (var r = 0; r < chunk.RowCount; r++)
        {
            if (kept is null || kept(r)) rows.Add(r);
        }
        var selected = rows.Count == chunk.RowCount ? chunk : chunk.SelectRows(rows);
        owned |= !ReferenceEquals(selected, chunk);
        var table = new Table(_schema, _keptColumns.Select(selected.Column).ToArray());
        var cleaned = Cleaner.Apply(table, _plan.Imputations, _plan.Clips, owned, out var imputed, out var clipped);
        foreach (var (name, count) in imputed) _imputed[name] = _imputed.GetValueOrDefault(name) + count;
        foreach (var (name, count) in clipped) _clipped[name] = _clipped.GetValueOrDefault(name) + count;
        Parallel.For(0, _stats.Length, new ParallelOptions { MaxDegreeOfParallelism = cleaned.RowCount * _stats.Length > 100_000 ? Environment.ProcessorCount : 1 },
            c => _stats[c].Add(cleaned.Column(c)));

        if (_splitter is null)
        {
            _train(cleaned, null);
            TrainRows += cleaned.RowCount;
            _row += cleaned.RowCount;
            return;
        }
        var train = new List<int>(cleaned.RowCount);
        var holdout = new List<int>(cleaned.RowCount / 4 + 1);
        switch (cleaned.Column(_label))
        {
            case double[] d:
                for (var r = 0; r < d.Length; r++) (_splitter.IsHoldout(d[r]) ? holdout : train).Add(r);
                break;
            case string?[] s:
                for (var r = 0; r < s.Length; r++) (_splitter.IsHoldout(s[r] ?? "") ? holdout : train).Add(r);
                break;
        }
        _train(cleaned, train);
        _holdout?.Invoke(cleaned, holdout);
        TrainRows += train.Count;
        HoldoutRows += holdout.Count;
        _row += cleaned.RowCount;
    }

    /// <summary>The report of the whole cleaning and the cleaned data's schema (ranges, levels, nullability).</summary>
    public (CleaningReport Report, TableSchema Schema) Complete(int maxCategories = TableSchema.DefaultMaxCategories)
    {
        var schema = new TableSchema(_stats.Select(s => s.Build(maxCategories)).ToArray());
        var constant = _stats.Where(s => s.IsConstant).Select(s => s.Column.Name).ToArray();
        var report = new CleaningReport(_plan.LabelColumn, (int)_plan.RowsIn, (int)_row, _plan.MissingLabelRowsDropped, _plan.DuplicateRowsDropped,
            _plan.Imputations.Select(i => i with { Imputed = _imputed.GetValueOrDefault(i.Column) }).ToArray(),
            constant, _plan.DroppedColumns,
            _plan.Clips.Select(c => c with { Clipped = _clipped.GetValueOrDefault(c.Column) }).ToArray());
        return (report, schema);
    }

    /// <summary>What <see cref="SchemaInference"/> derives from a column, gathered chunk by chunk.</summary>
    private sealed class SchemaStats(ColumnSchema column)
    {
        // Counted by reference (cells of a chunk share their strings), merged by value when built.
        private readonly LevelTally _levels = new();
        private bool _missing;
        private double _min = double.PositiveInfinity;
        private double _max = double.NegativeInfinity;

        public ColumnSchema Column { get; } = column;

        public bool IsConstant => Column.Kind.IsString() ? ByValue().Count <= 1 : !(_max > _min);

        private Dictionary<string, long> ByValue() => _levels.ByValue();

        public void Add(object values)
        {
            if (values is double[] d)
            {
                foreach (var v in d)
                {
                    if (double.IsNaN(v)) { _missing = true; continue; }
                    if (v < _min) _min = v;
                    if (v > _max) _max = v;
                }
                return;
            }
            string? last = null;
            long run = 0;
            foreach (var v in (string?[])values)
            {
                if (v is null) { _missing = true; continue; }
                if (ReferenceEquals(v, last)) { run++; continue; }
                if (last is not null) Count(last, run);
                last = v;
                run = 1;
            }
            if (last is not null) Count(last, run);
        }

        private void Count(string level, long run)
        {
            // Past the cap (ids, free text) new levels are not kept: the schema lists the top 100 levels only.
            if (_levels.Count < ProfileAccumulator.MaxLevels)
            {
                _levels.Add(level, run);
            }
            else
            {
                _levels.TryAddExisting(level, run);
            }
        }

        public ColumnSchema Build(int maxCategories)
        {
            switch (Column.Kind)
            {
                case ColumnKind.Categorical:
                    var levels = ByValue().OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal)
                        .Take(maxCategories).Select(kv => kv.Key).ToArray();
                    return new ColumnSchema(Column.Name, Column.Kind, _missing, Categories: levels);
                case ColumnKind.Text:
                    return new ColumnSchema(Column.Name, Column.Kind, _missing);
                default:
                    var ranged = Column.Kind is ColumnKind.Numeric or ColumnKind.Datetime && _min <= _max;
                    return new ColumnSchema(Column.Name, Column.Kind, _missing, ranged ? _min : null, ranged ? _max : null);
            }
        }
    }
}

/// <summary>
/// Splits rows into training and held-out sets as they stream by, deterministically for a seed: within each label value
/// (one group for regression) every 1/fraction-th row, from a random start, is held out, so each class is split in the
/// same proportion whatever the order of the file.
/// </summary>
public sealed class HoldoutSplitter(double holdoutFraction, int seed, bool stratify)
{
    private readonly Dictionary<string, Group> _groups = new(StringComparer.Ordinal);
    private readonly Dictionary<double, string> _numberKeys = [];

    /// <summary>For a numeric label: grouped by its invariant text, as a string label would be.</summary>
    public bool IsHoldout(double label) => IsHoldout(stratify ? NumberKey(label) : "");

    public bool IsHoldout(string label)
    {
        var key = stratify ? label : "";
        ref var group = ref CollectionsMarshal.GetValueRefOrAddDefault(_groups, key, out var known);
        if (!known)
        {
            group = new Group(StableHash(key)); // where in its first 1/fraction rows the group's first held-out row falls
        }
        var before = Math.Floor(group!.Seen * holdoutFraction + group.Offset);
        var after = Math.Floor((group.Seen + 1) * holdoutFraction + group.Offset);
        group.Seen++;
        return after > before;
    }

    private string NumberKey(double label)
    {
        if (!_numberKeys.TryGetValue(label, out var key))
        {
            key = label.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (_numberKeys.Count < 10_000) _numberKeys[label] = key;
        }
        return key;
    }

    private sealed class Group(double offset)
    {
        public long Seen;
        public readonly double Offset = offset;
    }

    // string.GetHashCode is randomised per process; the split must not be.
    private double StableHash(string key)
    {
        var h = 1469598103934665603UL ^ (ulong)(uint)seed;
        foreach (var ch in key) h = (h ^ ch) * 1099511628211UL;
        h ^= h >> 29;
        h *= 0xBF58476D1CE4E5B9UL;
        h ^= h >> 32;
        return (h >> 11) * (1.0 / (1UL << 53));
    }
}
