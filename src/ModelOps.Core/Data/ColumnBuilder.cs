using System.Runtime.CompilerServices;
namespace ModelOps.Core.Data;

/// <summary>
/// Collects one column's cells while a file streams by. Cells start as (pooled) text; once a sample of rows has been
/// seen (<see cref="Settle"/>) a column that reads as numbers, booleans or dates switches to a typed buffer and later
/// cells are parsed as they arrive. A cell that does not fit is kept aside; if too many do, the column falls back to text.
/// </summary>
internal sealed class ColumnBuilder
{
    private const int MaxInterned = 100_000;
    private const int MaxExamples = 5;

    private readonly ColumnKind? _forced;
    private readonly ColumnKind? _kindIfEmpty;
    private readonly bool _commaAllowed;
    private bool _decimalComma;
    private readonly Dictionary<string, string> _pool = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private ChunkedList<string?>? _cells = new();
    private ChunkedList<double>? _values;
    private ColumnKind _typedKind;
    private List<(int Row, string Text)> _conflicts = [];
    private int _missing;
    private int _coerced;
    private int _nonFinite;
    private bool _settled;
    private bool _streaming;
    private int _streamConflicts;
    private readonly List<string> _streamExamples = [];

    /// <param name="forced">The kind to read every cell as (a declared schema).</param>
    /// <param name="kindIfEmpty">The kind to stream in when <see cref="Freeze"/> comes before any value (a column known from
    /// an earlier read); numeric without it.</param>
    /// <param name="decimalCommas">Whether numbers may be written with a decimal comma (<c>3,14</c>, <c>1.234,5</c>): in a
    /// file whose fields are not separated by commas. A column whose sample reads better that way is read that way.</param>
    public ColumnBuilder(ColumnKind? forced = null, ColumnKind? kindIfEmpty = null, bool decimalCommas = false)
    {
        _forced = forced;
        _kindIfEmpty = kindIfEmpty;
        _commaAllowed = decimalCommas;
        _lookup = _pool.GetAlternateLookup<ReadOnlySpan<char>>();
        if (forced is { } kind && !kind.IsString())
        {
            SwitchToTyped(kind);
        }
    }

    public int Count { get; private set; }

    /// <summary>True while the column keeps text, i.e. its kind has not been settled as a typed one.</summary>
    public bool IsText => _values is null;

    /// <summary>Adds one trimmed cell.</summary>
    public void Add(ReadOnlySpan<char> trimmed)
    {
        if (_typedKind == ColumnKind.Numeric && _values is { } numbers && !_decimalComma && CellText.TryParseSimpleDecimal(trimmed, out var simple))
        {
            numbers.Add(simple); // the common case first: a plain decimal in a numeric column
            Count++;
            return;
        }
        if (CellText.IsMissing(trimmed))
        {
            _nonFinite += trimmed.Length == 3 && trimmed[1] is 'a' or 'A' ? 1 : 0; // NaN
            AddMissing();
            return;
        }
        if (_values is { } values)
        {
            if (TryParse(_typedKind, trimmed, out var value, out var coerced))
            {
                values.Add(value);
                _coerced += coerced ? 1 : 0;
            }
            else if (_typedKind == ColumnKind.Numeric && CellText.IsInfinity(trimmed))
            {
                _nonFinite++;
                AddMissing();
                return;
            }
            else
            {
                values.Add(double.NaN);
                if (_streaming)
                {
                    // Chunks leave as they fill, so a stream keeps only the count and a few examples.
                    _streamConflicts++;
                    if (_streamExamples.Count < MaxExamples && !_streamExamples.Contains(trimmed.ToString())) _streamExamples.Add(trimmed.ToString());
                }
                else
                {
                    _conflicts.Add((Count, trimmed.ToString()));
                }
            }
        }
        else
        {
            _cells!.Add(Intern(trimmed));
        }
        Count++;
    }

    /// <summary>Adds a value already typed by the file format (Parquet).</summary>
    public void AddValue(double value)
    {
        if (!double.IsFinite(value))
        {
            _nonFinite++;
            AddMissing();
            return;
        }
        if (_values is null)
        {
            Add(CellText.FormatNumber(value)); // a declared schema made this numeric column text
            return;
        }
        _values.Add(value);
        Count++;
    }

    public void AddMissing()
    {
        if (_values is { } values)
        {
            values.Add(double.NaN);
        }
        else
        {
            _cells!.Add(null);
        }
        _missing++;
        Count++;
    }

    /// <summary>Settles a text column's kind on the cells seen so far; typed kinds parse every later cell directly.</summary>
    public void Settle(double minNumericShare)
    {
        if (_settled || _values is not null || _forced is not null || Count == _missing)
        {
            return; // decided already, or nothing to decide on yet (every cell so far missing)
        }
        _settled = true;
        var kind = InferKind(minNumericShare, inferText: false, out _);
        if (!kind.IsString())
        {
            var cells = _cells!;
            SwitchToTyped(kind);
            _missing = 0;
            _nonFinite = 0;
            Count = 0;
            for (var i = 0; i < cells.Count; i++)
            {
                Add(cells[i]);
            }
        }
    }

    /// <summary>
    /// Fixes the kind for streaming: later cells are parsed in that kind, a cell that does not fit becomes missing and
    /// is counted. A column with no value yet takes the kind it was made with for that case, else numeric. Returns the kind.
    /// </summary>
    public ColumnKind Freeze(double minNumericShare, bool inferText)
    {
        if (!_streaming)
        {
            _streaming = true;
            _settled = true;
            var empty = _values is null && _forced is null && Count == _missing;
            if (empty && !(_kindIfEmpty ?? ColumnKind.Numeric).IsString())
            {
                var n = _cells!.Count;
                SwitchToTyped(_kindIfEmpty ?? ColumnKind.Numeric);
                for (var i = 0; i < n; i++) _values!.Add(double.NaN);
            }
            foreach (var (_, text) in _conflicts)
            {
                _streamConflicts++;
                if (_streamExamples.Count < MaxExamples && !_streamExamples.Contains(text)) _streamExamples.Add(text);
            }
            _conflicts = [];
            _streamKind = _values is not null ? _typedKind
                : empty ? _kindIfEmpty!.Value
                : _forced ?? (InferKind(minNumericShare, inferText, out _) == ColumnKind.Text ? ColumnKind.Text : ColumnKind.Categorical);
        }
        return _streamKind;
    }

    private ColumnKind _streamKind;

    /// <summary>The values added since the last call (<c>double[]</c> or <c>string?[]</c>); only after <see cref="Freeze"/>.</summary>
    public object TakeChunk() => _values is { } values ? values.MoveToArray() : _cells!.MoveToArray();

    /// <summary>Takes back a chunk's array once its consumer is done with it, to fill again (fewer arrays to collect).</summary>
    public void Recycle(object values)
    {
        if (values is double[] d) _values?.Recycle(d);
        else if (values is string?[] s && _cells is { } cells)
        {
            Array.Clear(s);
            cells.Recycle(s);
        }
    }

    /// <summary>After a stream: whether every value read fits the frozen kind well enough to keep it (the check <see cref="Build"/> makes).</summary>
    public bool StreamFits(double minNumericShare)
    {
        if (_values is null || _forced is not null)
        {
            return true;
        }
        var nonMissing = Count - _missing;
        return _typedKind == ColumnKind.Boolean ? _streamConflicts == 0 : nonMissing - _streamConflicts >= minNumericShare * nonMissing;
    }

    /// <summary>What a stream read found in this column.</summary>
    public ColumnReadReport StreamReport(string name, bool kindInferred) =>
        new(name, _streamKind, kindInferred, _missing, _streamConflicts, [.. _streamExamples], _coerced, _nonFinite);

    public BuiltColumn Build(double minNumericShare, bool inferText)
    {
        if (_values is { } values)
        {
            var nonMissing = Count - _missing;
            var fits = _forced is not null
                || (_typedKind == ColumnKind.Boolean ? _conflicts.Count == 0 : nonMissing - _conflicts.Count >= minNumericShare * nonMissing);
            if (fits)
            {
                var examples = _conflicts.Select(c => c.Text).Distinct(StringComparer.Ordinal).Take(MaxExamples).ToArray();
                return new BuiltColumn(_typedKind, values.MoveToArray(), _missing, _conflicts.Count, examples, _coerced, _nonFinite);
            }
            RevertToText();
        }

        var kindOfText = _forced ?? InferKind(minNumericShare, inferText, out _);
        var cells = _cells!;
        if (kindOfText.IsString())
        {
            return new BuiltColumn(kindOfText, cells.MoveToArray(), _missing, 0, [], 0, _nonFinite);
        }

        var result = new double[cells.Count];
        var missing = _missing;
        var nonFinite = _nonFinite;
        var unparseable = 0;
        var coercedCount = 0;
        var bad = new List<string>();
        for (var r = 0; r < result.Length; r++)
        {
            var cell = cells[r];
            if (cell is null)
            {
                result[r] = double.NaN;
                continue;
            }
            if (TryParse(kindOfText, cell, out result[r], out var coerced, forcedDigits: true))
            {
                coercedCount += coerced ? 1 : 0;
                continue;
            }
            result[r] = double.NaN;
            if (kindOfText == ColumnKind.Numeric && CellText.IsInfinity(cell))
            {
                nonFinite++;
                missing++;
                continue;
            }
            unparseable++;
            if (bad.Count < MaxExamples && !bad.Contains(cell))
            {
                bad.Add(cell);
            }
        }
        return new BuiltColumn(kindOfText, result, missing, unparseable, bad, coercedCount, nonFinite);
    }

    private ColumnKind InferKind(double minNumericShare, bool inferText, out int numbers)
    {
        var cells = _cells!;
        var nonMissing = 0;
        numbers = 0;
        var dates = 0;
        var commaNumbers = 0;
        var allBoolean = true;
        long length = 0;
        // Cells are pooled strings: what a distinct value parses as is worked out once per distinct object.
        var seen = new Dictionary<string, byte>(ReferenceEqualityComparer.Instance);
        for (var r = 0; r < cells.Count; r++)
        {
            var cell = cells[r];
            if (cell is null)
            {
                continue;
            }
            nonMissing++;
            length += cell.Length;
            if (!seen.TryGetValue(cell, out var flags))
            {
                flags = (byte)((CellText.TryParseNumber(cell, out _) ? 1 : CellText.TryParseDate(cell, out _) ? 2 : 0)
                    | (CellText.TryParseBoolean(cell, acceptDigits: false, out _) ? 4 : 0)
                    | (_commaAllowed && CellText.TryParseDecimalComma(cell, out _, out _) ? 8 : 0));
                if (seen.Count < MaxInterned)
                {
                    seen.Add(cell, flags);
                }
            }
            numbers += flags & 1;
            commaNumbers += (flags >> 3) & 1;
            dates += (flags >> 1) & 1;
            allBoolean = allBoolean && (flags & 4) != 0;
        }
        if (nonMissing == 0)
        {
            return ColumnKind.Numeric;
        }
        if (allBoolean)
        {
            return ColumnKind.Boolean;
        }
        if (commaNumbers > numbers && commaNumbers >= minNumericShare * nonMissing)
        {
            _decimalComma = true; // 3,14 and 1.234,5 more often than numbers that read the usual way
            numbers = commaNumbers;
            return ColumnKind.Numeric;
        }
        if (numbers > 0 && numbers >= minNumericShare * nonMissing)
        {
            return ColumnKind.Numeric;
        }
        if (dates > 0 && dates >= minNumericShare * nonMissing)
        {
            return ColumnKind.Datetime;
        }
        if (inferText && length >= 40L * nonMissing && _pool.Count >= 0.5 * nonMissing && nonMissing >= 20)
        {
            return ColumnKind.Text;
        }
        return ColumnKind.Categorical;
    }

    private bool TryParse(ColumnKind kind, ReadOnlySpan<char> text, out double value, out bool coerced, bool forcedDigits = false)
    {
        coerced = false;
        return kind switch
        {
            ColumnKind.Boolean => CellText.TryParseBoolean(text, acceptDigits: forcedDigits || _forced is not null, out value),
            ColumnKind.Datetime => CellText.TryParseDate(text, out value),
            _ when _decimalComma => CellText.TryParseDecimalComma(text, out value, out coerced),
            _ => CellText.TryParseNumber(text, out value, out coerced),
        };
    }

    private void SwitchToTyped(ColumnKind kind)
    {
        _typedKind = kind;
        _values = new ChunkedList<double>();
        _cells = null;
        _pool.Clear();
    }

    /// <summary>Turns a typed column back into text: parsed values are written back in their canonical form.</summary>
    private void RevertToText()
    {
        var values = _values!;
        var cells = new ChunkedList<string?>();
        var next = 0;
        for (var r = 0; r < values.Count; r++)
        {
            var text = next < _conflicts.Count && _conflicts[next].Row == r ? _conflicts[next++].Text : CellText.Format(_typedKind, values[r]);
            cells.Add(text is null ? null : Intern(text));
        }
        _values = null;
        _cells = cells;
        _conflicts = [];
        _coerced = 0;
    }

    private string Intern(ReadOnlySpan<char> text)
    {
        // Most columns of text have few distinct values: a small cache by a quick hash of short texts answers most cells
        // before the pool's dictionary is asked.
        var slot = RecentSlots.Of(text);
        if (slot >= 0 && _recent[slot] is { } recent && text.SequenceEqual(recent))
        {
            return recent;
        }
        if (!_lookup.TryGetValue(text, out var value))
        {
            value = text.ToString();
            if (_pool.Count < MaxInterned)
            {
                _pool.Add(value, value);
            }
        }
        if (slot >= 0)
        {
            _recent[slot] = value;
        }
        return value;
    }

    private readonly string?[] _recent = new string?[RecentSlots.Count];
}

/// <summary>One finished column: its kind, values (<c>double[]</c> or <c>string?[]</c>) and what reading it found.</summary>
internal sealed record BuiltColumn(ColumnKind Kind, object Values, int Missing, int Unparseable, IReadOnlyList<string> UnparseableExamples, int Coerced, int NonFinite);

/// <summary>An append-only list in fixed-size chunks: growing never copies, and <see cref="MoveToArray"/> allocates once.</summary>
internal sealed class ChunkedList<T>
{
    // 4K values a block, as a streaming read's chunk (DataFileReader.DefaultChunkRows): a chunk then hands over whole
    // blocks. 32 KB blocks stay off the large object heap.
    private const int ChunkShift = 12;
    private const int ChunkSize = 1 << ChunkShift;
    private readonly List<T[]> _chunks = [];
    private readonly Spares<T[]> _spares = new();
    private T[] _current = [];
    private int _offset;

    public int Count { get; private set; }

    public T this[int index] => _chunks[index >> ChunkShift][index & (ChunkSize - 1)];

    // Called for every cell a reader parses: the store inlines into the caller, the new block (one in 4,096) does not.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(T value)
    {
        var current = _current;
        var offset = _offset;
        if ((uint)offset < (uint)current.Length)
        {
            current[offset] = value;
            _offset = offset + 1;
            Count++;
            return;
        }
        AddToNewBlock(value);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void AddToNewBlock(T value)
    {
        _current = _spares.Take() ?? new T[ChunkSize];
        _chunks.Add(_current);
        _current[0] = value;
        _offset = 1;
        Count++;
    }

    /// <summary>Keeps a block handed out by <see cref="MoveToArray"/> to fill next, when it is a whole block. Safe to call
    /// from another thread than the one adding (a streaming read's chunk consumer hands its blocks back).</summary>
    public void Recycle(T[] block)
    {
        if (block.Length == ChunkSize)
        {
            _spares.Return(block);
        }
    }

    /// <summary>The items as one array; the chunks are released as they are copied, so the list is empty afterwards.</summary>
    public T[] MoveToArray()
    {
        if (_chunks.Count == 1 && Count == ChunkSize)
        {
            // Exactly one full block (a streaming chunk): hand it over as it is.
            var block = _chunks[0];
            _chunks.Clear();
            _current = [];
            _offset = 0;
            Count = 0;
            return block;
        }
        var result = GC.AllocateUninitializedArray<T>(Count); // every element is overwritten below
        var done = 0;
        for (var i = 0; i < _chunks.Count; i++)
        {
            var n = Math.Min(ChunkSize, Count - done);
            Array.Copy(_chunks[i], 0, result, done, n);
            _chunks[i] = [];
            done += n;
        }
        _chunks.Clear();
        _current = [];
        _offset = 0;
        Count = 0;
        return result;
    }
}
