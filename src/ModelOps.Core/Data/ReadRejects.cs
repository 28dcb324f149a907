namespace ModelOps.Core.Data;

/// <summary>
/// The lines a reader could not take (ragged rows, lines that are not JSON objects): counted, the first kept for the
/// error that a file of too many of them fails with, and the rest kept for the result, or handed on as they are found
/// when the read was given somewhere to put them. A file may have up to <see cref="CsvReadOptions.MaxRaggedShare"/> of
/// its rows rejected (5% by default): kept, 16,000 ragged rows of a 200 MB file were 15 MB of strings.
/// </summary>
internal sealed class ReadRejects(Action<RejectedRow>? onRejected)
{
    private readonly List<RejectedRow> _kept = [];

    public int Count { get; private set; }

    public RejectedRow? First { get; private set; }

    /// <summary>The rows, when none were handed on; empty otherwise.</summary>
    public IReadOnlyList<RejectedRow> Kept => _kept;

    public void Add(RejectedRow row)
    {
        Count++;
        First ??= row;
        if (onRejected is null) _kept.Add(row);
        else onRejected(row);
    }

    /// <summary>True when the file has too many of them to be read: every row, or more than the share allowed.</summary>
    public bool TooMany(int rowsRead, int rowsKept, double maxShare) => Count > 0 && (rowsKept == 0 || (Count > 1 && Count > maxShare * rowsRead));
}
