using System.IO.Hashing;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace ModelOps.Core.Data;

/// <summary>
/// The first streaming pass over a data set, chunk by chunk in bounded memory: validation counts, the raw profile,
/// rows without a label and exact duplicates (a set of row hashes, see <see cref="RowHashSet"/>) set aside with their reasons, and the
/// statistics of the rows kept, from which <see cref="Finish"/> makes the cleaning plan and works out what it will do
/// (<see cref="CleaningOutcome"/>). <see cref="Add"/> says which rows of each chunk stay, so the caller can set them aside
/// (a <see cref="ChunkFile"/>) for <see cref="CleanedRows"/> to clean as they are read: there is no second pass.
/// The result matches <see cref="Cleaner.Clean(Table, string, CleaningOptions, IReadOnlyList{long}?)"/> and
/// <see cref="Profiler.Profile"/> on data that fits the quantile sketch (<see cref="ProfileOptions.QuantileSample"/> values);
/// above it medians, quantiles, clip bounds and histograms without a baseline come from the sketch's sample.
/// </summary>
public sealed class DataPass
{
    private readonly string _labelName;
    private readonly int _label;
    private readonly CleaningOptions _cleaning;
    private readonly ValidationContext _context;
    private readonly DataValidationOptions _validation;
    private readonly ProfileAccumulator _kept;
    private readonly ProfileAccumulator _rejectedStats;
    private readonly DataChecks _checks;
    private RowHashSet? _seen;
    private readonly RejectedRowLog _rejected;
    private ulong[] _fingerprints = [];
    private UInt128[] _hashes = [];
    // Kept rows per label value, up to MaxLabelLevels values: the task, the classes and the holdout split's counts.
    private readonly Dictionary<double, long> _labelNumbers = [];
    private readonly Dictionary<string, long> _labelStrings = new(StringComparer.Ordinal);
    private bool _moreLabelLevels;
    private long _keptRows;
    private readonly List<int> _setAsideRows = [];
    private readonly List<SetAsideReason> _setAsideReasons = [];
    private readonly List<string> _files = [];
    private long _rows;
    private int _missingLabels;
    private int _duplicates;

    /// <exception cref="DataFileException"><c>label_missing</c> when the label is not a column.</exception>
    /// <summary>Values per quantile sketch when no <see cref="ProfileOptions"/> are given: exact up to 32,768 present values per
    /// column, about 0.3% rank error at the median above (a few MB for a wide table, whatever its length).</summary>
    public const int DefaultQuantileSample = 32_768;

    /// <param name="expectedRows">How many rows are coming, if known (e.g. from the read): sizes the duplicate finder once.</param>
    /// <param name="rejected">Where the rows set aside go (a spill stream keeps them out of memory); by default kept in memory.</param>
    public DataPass(TableSchema schema, string label, CleaningOptions? cleaning = null, ValidationContext? context = null,
        DataValidationOptions? validation = null, ProfileOptions? profile = null, long expectedRows = 0, RejectedRowLog? rejected = null)
    {
        _seen = new RowHashSet(expectedRows);
        _rejected = rejected ?? new RejectedRowLog();
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentException.ThrowIfNullOrWhiteSpace(label);
        Schema = schema;
        _cleaning = cleaning ?? CleaningOptions.Default;
        _cleaning.Validate();
        _context = (context ?? new ValidationContext()) with { Label = label };
        _validation = validation ?? DataValidationOptions.Default;
        _validation.Validate();
        _label = schema.IndexOf(label);
        _labelName = _label >= 0 ? schema.Columns[_label].Name : label;
        profile ??= new ProfileOptions { QuantileSample = DefaultQuantileSample };
        _kept = new ProfileAccumulator(schema, profile, _context.Baseline, seed: 1);
        // Rows set aside are a few in a clean file; their sample needs less room (a smaller sketch merges soundly).
        _rejectedStats = new ProfileAccumulator(schema, profile with { QuantileSample = Math.Max(profile.QuantileSample / 4, 100) }, _context.Baseline, seed: 2);
        _checks = new DataChecks(schema, _context, _validation);
    }

    public TableSchema Schema { get; }

    /// <summary>Rows seen so far.</summary>
    public long RowCount => _rows;

    /// <summary>
    /// How many rows a data set of <paramref name="bytes"/> likely holds, from the rows and text of its first chunk, at
    /// most the read's <paramref name="maxRows"/>: what the constructor's <c>expectedRows</c> asks. Zero when the reader
    /// kept no text (Parquet). CSV text is counted in characters, so a file of many multi-byte characters is estimated
    /// high, which only sizes the duplicate finder larger.
    /// </summary>
    public static long ExpectedRows(long bytes, TableChunk first, long maxRows)
    {
        ArgumentNullException.ThrowIfNull(first);
        var estimate = first.Source is { Length: > 0 } text && bytes > 0 ? (double)bytes / text.Length * first.Rows.RowCount : 0;
        return (long)Math.Min(estimate, maxRows);
    }

    /// <summary>
    /// Rows added from now on come from the file named (a data set of several files): the reasons of the rows set aside
    /// start with it, as the readers' own do, and a duplicate of a row of another file names that file.
    /// </summary>
    public void BeginFile(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        _files.Add(name);
    }

    /// <summary>Takes in one chunk (its columns are those of <see cref="Schema"/>); returns the positions of the rows that
    /// stay (no missing label, not a duplicate), or null when all of them do.</summary>
    public IReadOnlyList<int>? Add(TableChunk chunk)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        var table = chunk.Rows;
        var n = table.RowCount;
        _checks.Add(table);
        var keep = new int[n];
        var kept = 0;
        if (_label < 0)
        {
            // Validation reports the missing label (label_missing); Finish fails before anything is cleaned.
            _rows += n;
            _kept.Add(table);
            return null;
        }
        if (_cleaning.DropDuplicates)
        {
            HashRows(table);
        }
        var labels = table.Column(_label);
        for (var r = 0; r < n; r++)
        {
            if (_cleaning.DropDuplicates && r + PrefetchDistance < n)
            {
                _seen!.Prefetch(_hashes[r + PrefetchDistance]);
            }
            var missing = labels is double[] d ? double.IsNaN(d[r]) : ((string?[])labels)[r] is null;
            if (missing)
            {
                _missingLabels++;
                SetAside(r, new SetAsideReason(CurrentFile));
            }
            else if (_cleaning.DropDuplicates && _seen!.AddOrGetFirst(_hashes[r], chunk.RowNumbers[r], Math.Max(_files.Count - 1, 0)) is { } first)
            {
                _duplicates++;
                SetAside(r, new SetAsideReason(CurrentFile, first.Row, first.File == _files.Count - 1 || _files.Count == 0 ? null : _files[first.File]));
            }
            else
            {
                keep[kept++] = r;
                if (labels is double[] numbers) CountLabel(_labelNumbers, numbers[r]);
                else CountLabel(_labelStrings, ((string?[])labels)[r]!);
            }
        }
        _rows += n;
        if (kept == n)
        {
            _kept.Add(table);
            return null;
        }
        SetAside(chunk);
        var dropped = new int[n - kept];
        for (int r = 0, k = 0, d = 0; r < n; r++)
        {
            if (k < kept && keep[k] == r) k++;
            else dropped[d++] = r;
        }
        var rows = new ArraySegment<int>(keep, 0, kept);
        _rejectedStats.Add(table, dropped);
        _kept.Add(table, rows);
        return rows;
    }

    private void CountLabel<T>(Dictionary<T, long> counts, T label) where T : notnull
    {
        ref var count = ref CollectionsMarshal.GetValueRefOrNullRef(counts, label);
        if (!Unsafe.IsNullRef(ref count)) count++;
        else if (counts.Count < MaxLabelLevels) counts.Add(label, 1);
        else _moreLabelLevels = true;
    }

    /// <summary>True when every label value of the kept rows was counted (at most 1,001 of them): a split can be stratified.</summary>
    public bool LabelLevelsCounted => !_moreLabelLevels;

    /// <summary>
    /// How many kept rows <paramref name="split"/> gives to training and holds out, from the label counts alone (no rows
    /// are met): what <see cref="CleanedRows"/> will find reading them.
    /// </summary>
    /// <exception cref="InvalidOperationException">Before <see cref="Finish"/>, or a stratified split of more label values than were counted.</exception>
    public (long Train, long Holdout) Split(HoldoutSplit split)
    {
        ArgumentNullException.ThrowIfNull(split);
        if (split.Stratify && _moreLabelLevels)
        {
            throw new InvalidOperationException($"The label has more than {MaxLabelLevels} values: a split by label value cannot be counted.");
        }
        if (_finished is null)
        {
            throw new InvalidOperationException("The split is counted once the pass is finished.");
        }
        var splitter = split.Start();
        var kept = _keptRows;
        var holdout = !split.Stratify ? splitter.HeldOut("", kept)
            : _labelStrings.Sum(l => splitter.HeldOut(l.Key, l.Value)) + _labelNumbers.Sum(l => splitter.HeldOut(l.Key, l.Value));
        return (kept - holdout, holdout);
    }

    private string? CurrentFile => _files.Count == 0 ? null : _files[^1];

    private void SetAside(int row, SetAsideReason reason)
    {
        _setAsideRows.Add(row);
        _setAsideReasons.Add(reason);
    }

    /// <summary>The chunk's rows set aside, to the log: as the file has them when the reader kept its text, else as parsed.</summary>
    private void SetAside(TableChunk chunk)
    {
        using (var fields = chunk.Source?.Read(_setAsideRows) ?? new TableFields(chunk.Rows, _setAsideRows))
        {
            for (var i = 0; fields.MoveNext(); i++)
            {
                _rejected.Add(chunk.RowNumbers[_setAsideRows[i]], _setAsideReasons[i], fields);
            }
        }
        _setAsideRows.Clear();
        _setAsideReasons.Clear();
    }

    /// <summary>
    /// Ends the pass: the raw profile, the validation report and the cleaning plan. Nothing is cleaned when validation
    /// fails (<see cref="DataPassResult.Plan"/> is null then).
    /// </summary>
    /// <param name="read">The read report, when it was not known as the pass began (type mismatches, rejected lines).</param>
    public DataPassResult Finish(CsvReadReport? read = null)
    {
        if (_finished is { } done)
        {
            return done;
        }
        _seen?.Dispose(); // the largest structure of the pass, of no use once the kept rows are known
        _seen = null;
        _fingerprints = [];
        _hashes = [];
        // The plan comes from the kept rows' statistics; the rejected rows then join them for the raw profile.
        _kept.SortSamples();
        var plan = _label >= 0 && _kept.RowCount > 0 ? Plan() : null;
        var outcome = plan is null ? default : CleaningOutcome.Of(plan, Schema, _kept.Column);
        _keptRows = _kept.RowCount;
        _kept.Merge(_rejectedStats);
        var profile = _kept.Build();
        var report = DataValidator.Validate(Schema, _rows, _checks, profile, read is null ? _context : _context with { Read = read }, _validation);
        if (report.Passed && _label >= 0 && plan is null)
        {
            throw new DataFileException(DataFileErrorCodes.AllLabelsMissing,
                $"Every row ({_rows:N0}) is missing a value in the label column '{_labelName}', so there is nothing to learn from.");
        }
        return _finished = report.Passed
            ? new DataPassResult(profile, report, plan, _rejected.Rows, _rejected.Count, outcome.Report, outcome.Schema)
            : new DataPassResult(profile, report, null, _rejected.Rows, _rejected.Count);
    }

    private DataPassResult? _finished;

    private CleaningPlan Plan()
    {
        var dropped = new List<DroppedColumn>();
        var imputations = new List<ColumnImputation>();
        var clips = new List<ColumnClip>();
        for (var c = 0; c < Schema.Columns.Count; c++)
        {
            var column = Schema.Columns[c];
            var stats = _kept.Column(c);
            if (column.Kind.IsString())
            {
                _distinct[column.Name] = stats.Distinct;
            }
            if (c == _label)
            {
                continue;
            }
            if (stats.Count == 0 && stats.NonFinite == 0)
            {
                dropped.Add(new DroppedColumn(column.Name, "every value is missing"));
                continue;
            }
            imputations.Add(PlanImputation(column, stats));
            if (_cleaning.Outliers != OutlierMethod.None && column.Kind == ColumnKind.Numeric && PlanClip(column.Name, stats) is { } clip)
            {
                clips.Add(clip);
            }
        }
        return new CleaningPlan(_labelName, _rows, _kept.RowCount, _missingLabels, _duplicates, imputations, clips, dropped);
    }

    private const int MaxLabelLevels = 1_001;

    /// <summary>How many rows ahead the duplicate finder's slot is fetched, so that its cache miss overlaps the rows between.</summary>
    private const int PrefetchDistance = 16;

    /// <summary>
    /// A small table with one row per distinct label value of the kept rows (at most 1,001) and the columns of
    /// <paramref name="schema"/> (e.g. the cleaned ones), the others empty: enough for
    /// <see cref="Training.TrainingProblem.Infer"/> to tell the task and the classes without the data.
    /// </summary>
    public Table LabelLevels(TableSchema schema)
    {
        var label = schema.IndexOf(_labelName);
        var kind = schema.Columns[label].Kind;
        var n = kind.IsString() ? _labelStrings.Count : _labelNumbers.Count;
        var columns = new object[schema.Columns.Count];
        for (var c = 0; c < columns.Length; c++)
        {
            if (c == label)
            {
                columns[c] = kind.IsString() ? _labelStrings.Keys.Order(StringComparer.Ordinal).ToArray<string?>() : _labelNumbers.Keys.Order().ToArray();
            }
            else
            {
                columns[c] = schema.Columns[c].Kind.IsString() ? new string?[n] : Enumerable.Repeat(double.NaN, n).ToArray();
            }
        }
        return new Table(schema, columns);
    }

    /// <summary>Distinct values of a string column (counted before <see cref="Finish"/> over the kept rows, after it over all).</summary>
    public long Distinct(string column) => _distinct.GetValueOrDefault(column);

    private readonly Dictionary<string, long> _distinct = new(StringComparer.OrdinalIgnoreCase);

    private ColumnImputation PlanImputation(ColumnSchema column, ColumnStats stats)
    {
        switch (column.Kind)
        {
            case ColumnKind.Categorical or ColumnKind.Text when _cleaning.Categorical == CategoricalImputation.MissingLevel:
                return new ColumnImputation(column.Name, column.Kind, Cleaner.MissingLevelStrategy, 0, null, _cleaning.MissingLevel);
            case ColumnKind.Categorical or ColumnKind.Text:
                return new ColumnImputation(column.Name, column.Kind, Cleaner.MostFrequentStrategy, 0, null, stats.MostFrequent);
            case ColumnKind.Boolean:
                var ones = stats.Ones;
                var zeros = stats.Count - ones;
                return new ColumnImputation(column.Name, column.Kind, Cleaner.MostFrequentStrategy, 0, ones > zeros ? 1 : 0, null);
            default:
                return new ColumnImputation(column.Name, column.Kind, Cleaner.MedianStrategy, 0, Median(stats.Sketch!.SortedSample()), null);
        }
    }

    /// <summary>The median as <see cref="Cleaner"/> takes it: the middle value, or the mean of the two middle ones.</summary>
    private static double Median(double[] sorted)
    {
        if (sorted.Length == 0) return double.NaN;
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    private ColumnClip? PlanClip(string name, ColumnStats stats)
    {
        if (stats.Count < 4)
        {
            return null;
        }
        var sorted = stats.Sketch!.SortedSample();
        if (_cleaning.Outliers == OutlierMethod.Quantile)
        {
            return new ColumnClip(name, Cleaner.QuantileClip, Profiler.Quantile(sorted, _cleaning.LowerQuantile), Profiler.Quantile(sorted, _cleaning.UpperQuantile), 0);
        }
        var q1 = Profiler.Quantile(sorted, 0.25);
        var q3 = Profiler.Quantile(sorted, 0.75);
        var k = _cleaning.IqrMultiplier * (q3 - q1);
        return new ColumnClip(name, Cleaner.IqrClip, q1 - k, q3 + k, 0);
    }

    /// <summary>XxHash128 of each row's cells: numbers by their bits (NaN and -0 folded), strings by their own 64-bit hash.</summary>
    private void HashRows(Table table)
    {
        var n = table.RowCount;
        var width = table.ColumnCount;
        if (_fingerprints.Length < HashBlock * width) _fingerprints = new ulong[HashBlock * width];
        if (_hashes.Length < n) _hashes = new UInt128[n];
        var prints = _fingerprints;
        // Block by block of rows, so the fingerprints, filled column by column, stay in the first-level cache.
        for (var start = 0; start < n; start += HashBlock)
        {
            var rows = Math.Min(HashBlock, n - start);
            for (var c = 0; c < width; c++)
            {
                switch (table.Column(c))
                {
                    case double[] d:
                        for (var r = 0; r < rows; r++)
                        {
                            var v = d[start + r];
                            prints[r * width + c] = double.IsNaN(v) ? 0x7FF8_0000_0000_0001UL : (ulong)BitConverter.DoubleToInt64Bits(v == 0 ? 0.0 : v);
                        }
                        break;
                    case string?[] s:
                        string? last = null;
                        ulong lastHash = 0;
                        for (var r = 0; r < rows; r++)
                        {
                            var v = s[start + r];
                            if (!ReferenceEquals(v, last) || r == 0)
                            {
                                last = v;
                                lastHash = v is null ? 0x9E37_79B9_7F4A_7C15UL : XxHash3.HashToUInt64(MemoryMarshal.AsBytes(v.AsSpan()), v.Length);
                            }
                            prints[r * width + c] = lastHash;
                        }
                        break;
                }
            }
            for (var r = 0; r < rows; r++)
            {
                _hashes[start + r] = XxHash128.HashToUInt128(MemoryMarshal.AsBytes(prints.AsSpan(r * width, width)));
            }
        }
    }

    private const int HashBlock = 128;
}

/// <summary>What <see cref="DataPass.Finish"/> found.</summary>
/// <param name="Profile">The raw data's profile (every row read), binned on the baseline's edges when there is one.</param>
/// <param name="Plan">The cleaning plan; null when validation failed.</param>
/// <param name="Rejected">Rows set aside (no label, exact duplicates) with their reasons, in the order read; empty when
/// they went to a spill stream (see <see cref="RejectedRowLog"/>).</param>
/// <param name="RejectedCount">How many rows were set aside.</param>
/// <param name="Cleaning">What the plan does to the kept rows (fills, clips, constant columns); null when validation failed.</param>
/// <param name="CleanedSchema">The kept rows' schema once cleaned (ranges, levels, nullability); null when validation failed.</param>
public sealed record DataPassResult(DataProfile Profile, ValidationReport Validation, CleaningPlan? Plan, IReadOnlyList<RejectedRow> Rejected,
    long RejectedCount, CleaningReport? Cleaning = null, TableSchema? CleanedSchema = null);

/// <summary>The cleaning worked out in the first pass, applied as the kept rows are read (<see cref="CleanedRows"/>).</summary>
public sealed record CleaningPlan(
    string LabelColumn,
    long RowsIn,
    long RowsKept,
    int MissingLabelRowsDropped,
    int DuplicateRowsDropped,
    IReadOnlyList<ColumnImputation> Imputations,
    IReadOnlyList<ColumnClip> Clips,
    IReadOnlyList<DroppedColumn> DroppedColumns);

/// <summary>
/// Exact-duplicate detection over row hashes: 64 bits of each XxHash128 kept in one of 512 open-addressing partitions
/// picked by 9 more of its bits, with the first row number beside it, 12 bytes a slot (14 once a second file comes).
/// Partitions grow one at a time (no large copy) and are at most 80% full. 73 bits make a false duplicate among 10
/// million rows a 1-in-200-million event. The slots live outside the GC heap: the table is the pass's largest structure
/// (16 bytes a row), holds no references, and there the collector never copies it nor sizes its headroom by it (a 1 GB
/// file peaked 80 MB lower). Dispose frees them; a set never disposed is freed by its finalizer.
/// </summary>
internal sealed class RowHashSet : IDisposable
{
    private const int PartitionBits = 9;
    private readonly Partition[] _partitions = new Partition[1 << PartitionBits];
    private bool _disposed;

    public RowHashSet(long expected)
    {
        var perPartition = expected >> PartitionBits;
        for (var i = 0; i < _partitions.Length; i++) _partitions[i] = new Partition(perPartition);
    }

    ~RowHashSet() => Free();

    /// <summary>Adds the hash; returns null when it is new, else the row number and file it was first seen at.</summary>
    /// <param name="file">Which of the pass's files the row is in; the set keeps it beside the row number only once a
    /// second file comes (2 bytes a slot more), so a one-file pass costs no more.</param>
    public (long Row, int File)? AddOrGetFirst(UInt128 hash, long row, int file = 0)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var (key, partition) = Split(hash);
        return _partitions[partition].AddOrGetFirst(key, (uint)Math.Min(row, uint.MaxValue), (ushort)Math.Min(file, ushort.MaxValue));
    }

    /// <summary>Starts loading the slot where <paramref name="hash"/> would go, for a later <see cref="AddOrGetFirst"/>: the set is
    /// far larger than the caches, so each probe is a memory miss, and misses requested a few rows ahead overlap.</summary>
    public void Prefetch(UInt128 hash)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var (key, partition) = Split(hash);
        _partitions[partition].Prefetch(key);
    }

    public void Dispose()
    {
        Free();
        GC.SuppressFinalize(this);
    }

    private void Free()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var partition in _partitions) partition?.Free();
    }

    private static (ulong Key, int Partition) Split(UInt128 hash)
    {
        var key = (ulong)hash;
        return (key == 0 ? 1 : key, (int)((ulong)(hash >> 64) >> (64 - PartitionBits))); // zero marks an empty slot
    }

    /// <summary>One open-addressing table: keys and row numbers side by side in native memory, linear probing.</summary>
    private sealed unsafe class Partition
    {
        private ulong* _keys;
        private uint* _rows;
        private int _length;
        private ushort[]? _files;
        private int _count;

        public Partition(long expected) => Allocate(Slots(expected));

        /// <summary>
        /// Slots for <paramref name="expected"/> rows, any number of them (not a power of two): at most 80% full with
        /// three standard deviations of the partition's share to spare, so few partitions grow and none is twice too large.
        /// Unknown (0): 1,024, grown by doubling.
        /// </summary>
        private static int Slots(long expected)
        {
            if (expected <= 0) return 1024;
            var rows = expected + 3 * Math.Sqrt(expected);
            return (int)Math.Clamp(rows * 5 / 4, 16, 1 << 26);
        }

        private void Allocate(int length)
        {
            _keys = (ulong*)NativeMemory.AllocZeroed((nuint)length, sizeof(ulong));
            _rows = (uint*)NativeMemory.AllocZeroed((nuint)length, sizeof(uint));
            _length = length;
        }

        private Span<ulong> Keys => new(_keys, _length);

        private Span<uint> Rows => new(_rows, _length);

        /// <summary>The key's first slot: its high 32 bits scaled to the table (no power-of-two mask needed).</summary>
        private int Home(ulong key) => (int)(((key >> 32) * (ulong)_length) >> 32);

        public void Prefetch(ulong key)
        {
            if (Sse.IsSupported) Sse.Prefetch0(_keys + Home(key));
        }

        public (long Row, int File)? AddOrGetFirst(ulong key, uint row, ushort file)
        {
            if (_count * 5L >= _length * 4L) Grow();
            if (file != 0) _files ??= new ushort[_length]; // rows added before are of file 0
            var keys = Keys;
            for (var i = Home(key); ; i = i + 1 == keys.Length ? 0 : i + 1)
            {
                var slot = keys[i];
                if (slot == 0)
                {
                    keys[i] = key;
                    Rows[i] = row;
                    if (_files is not null) _files[i] = file;
                    _count++;
                    return null;
                }
                if (slot == key)
                {
                    return (Rows[i], _files?[i] ?? 0);
                }
            }
        }

        private void Grow()
        {
            ReadOnlySpan<ulong> keys = Keys;
            ReadOnlySpan<uint> rows = Rows;
            var files = _files;
            var (oldKeys, oldRows) = ((nint)_keys, (nint)_rows);
            Allocate(_length * 2);
            _files = files is null ? null : new ushort[_length];
            var newKeys = Keys;
            var newRows = Rows;
            for (var j = 0; j < keys.Length; j++)
            {
                if (keys[j] == 0) continue;
                var i = Home(keys[j]);
                while (newKeys[i] != 0) i = i + 1 == newKeys.Length ? 0 : i + 1;
                newKeys[i] = keys[j];
                newRows[i] = rows[j];
                if (files is not null) _files![i] = files[j];
            }
            NativeMemory.Free((void*)oldKeys);
            NativeMemory.Free((void*)oldRows);
        }

        public void Free()
        {
            NativeMemory.Free(_keys);
            NativeMemory.Free(_rows);
            _keys = null;
            _rows = null;
            _length = 0;
        }
    }
}
