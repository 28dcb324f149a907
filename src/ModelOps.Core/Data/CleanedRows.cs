namespace ModelOps.Core.Data;

/// <summary>
/// The cleaned rows of a run, as training, evaluation and registration read them: the rows the first data pass kept
/// (<see cref="DataPass"/>, a <see cref="ChunkFile"/>), with the plan's empty columns left out and its fills and clips
/// applied chunk by chunk, split into training and held-out rows by replaying the run's <see cref="HoldoutSplit"/>. Nothing
/// is cleaned ahead of time: the plan is small and applying it costs a few milliseconds a chunk, far less than writing the
/// cleaned rows out again.
/// </summary>
public sealed class CleanedRows
{
    private readonly CleaningPlan _plan;
    private readonly int[] _columns;
    private readonly int _label;
    private readonly HoldoutSplitter _splitter;

    /// <param name="keptSchema">The columns of the kept rows (the first pass's chunks).</param>
    public CleanedRows(TableSchema keptSchema, CleaningPlan plan, HoldoutSplit split)
    {
        ArgumentNullException.ThrowIfNull(keptSchema);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(split);
        _plan = plan;
        _splitter = split.Start();
        var dropped = plan.DroppedColumns.Select(d => d.Column).ToHashSet(StringComparer.OrdinalIgnoreCase);
        _columns = Enumerable.Range(0, keptSchema.Columns.Count).Where(c => !dropped.Contains(keptSchema.Columns[c].Name)).ToArray();
        Schema = new TableSchema(_columns.Select(c => new ColumnSchema(keptSchema.Columns[c].Name, keptSchema.Columns[c].Kind)).ToArray());
        _label = keptSchema.IndexOf(plan.LabelColumn);
    }

    /// <summary>The columns of the cleaned rows (kinds only; the run's saved schema has ranges and levels).</summary>
    public TableSchema Schema { get; }

    /// <summary>
    /// Reads a kept-rows chunk file once, cleaned and split, as one table per side with each row's source row number.
    /// </summary>
    /// <param name="schema">The cleaned schema to give the tables (same columns, with ranges and levels), when known.</param>
    /// <param name="leaveOut">Columns no step reads (a run's identifier columns): read past, not decoded, and not in the
    /// tables. A column whose every value differs costs a string a cell; left out, it costs nothing.</param>
    /// <param name="expected">How many rows each side will have (counted when the split was made), so each side's columns are
    /// allocated once at their size; 0 when not known.</param>
    public static (SplitTable Train, SplitTable Holdout) Read(Stream keptFile, CleaningPlan plan, HoldoutSplit split, TableSchema? schema = null,
        IReadOnlyCollection<string>? leaveOut = null, (long Train, long Holdout) expected = default)
    {
        var (keptSchema, chunks) = ChunkFile.Read(keptFile, reuseArrays: true, leaveOut);
        var rows = new CleanedRows(keptSchema, plan, split);
        if (leaveOut is not null && schema is not null)
        {
            schema = new TableSchema(schema.Columns.Where(c => !leaveOut.Contains(c.Name, StringComparer.OrdinalIgnoreCase)).ToArray());
        }
        if (schema is not null && !schema.Columns.Select(c => c.Name).SequenceEqual(rows.Schema.Columns.Select(c => c.Name), StringComparer.OrdinalIgnoreCase))
        {
            throw new InvalidDataException("The cleaned schema does not name the columns the kept rows have once cleaned.");
        }
        schema ??= rows.Schema;
        TableBuilder train = new(schema, expected.Train), holdout = new(schema, expected.Holdout);
        foreach (var chunk in chunks)
        {
            var cleaned = rows.Split(chunk);
            train.Add(cleaned.Rows, cleaned.RowNumbers, cleaned.Train);
            holdout.Add(cleaned.Rows, cleaned.RowNumbers, cleaned.Holdout);
        }
        var (trainTable, trainRows) = train.Build(schema);
        var (holdoutTable, holdoutRows) = holdout.Build(schema);
        return (new SplitTable(trainTable, trainRows), new SplitTable(holdoutTable, holdoutRows));
    }

    /// <summary>
    /// Cleans the next chunk of kept rows in place (chunks must come in the order written) and says which of its rows
    /// fall on each side of the split.
    /// </summary>
    public CleanedChunk Split(TableChunk kept)
    {
        ArgumentNullException.ThrowIfNull(kept);
        var n = kept.Rows.RowCount;
        var train = new List<int>(n);
        var holdout = new List<int>(n / 4 + 1);
        switch (kept.Rows.Column(_label))
        {
            case double[] d:
                for (var r = 0; r < n; r++) (_splitter.IsHoldout(d[r]) ? holdout : train).Add(r);
                break;
            case string?[] s:
                for (var r = 0; r < n; r++) (_splitter.IsHoldout(s[r] ?? "") ? holdout : train).Add(r);
                break;
        }
        var table = new Table(Schema, _columns.Select(kept.Rows.Column).ToArray());
        var cleaned = Cleaner.Apply(table, _plan.Imputations, _plan.Clips, owned: true, out _, out _);
        return new CleanedChunk(cleaned, kept.RowNumbers, train, holdout);
    }
}

/// <summary>One side of a run's cleaned rows as one table, and each row's number in its source.</summary>
public sealed record SplitTable(Table Table, long[] RowNumbers);

/// <summary>A chunk of cleaned rows, and which of them are training and which held-out rows.</summary>
public sealed record CleanedChunk(Table Rows, long[] RowNumbers, IReadOnlyList<int> Train, IReadOnlyList<int> Holdout)
{
    /// <summary>The rows of one side, copied out (the chunk's arrays may be reused for the next).</summary>
    public TableChunk Take(SplitSide side)
    {
        var rows = side == SplitSide.Holdout ? Holdout : Train;
        return new TableChunk(Rows.SelectRows(rows), rows.Select(r => RowNumbers[r]).ToArray());
    }
}
