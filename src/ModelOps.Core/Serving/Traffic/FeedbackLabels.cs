namespace ModelOps.Core.Serving.Traffic;

/// <summary>The latest label of each request id and row received in a window, looked up without allocating the id.</summary>
internal sealed class FeedbackLabels
{
    private readonly Dictionary<string, List<FeedbackRecord>> _byRequest = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<FeedbackRecord>>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private Dictionary<UInt128, FeedbackRecord>? _byKey;

    public FeedbackLabels() => _lookup = _byRequest.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>Distinct request ids and rows with a label.</summary>
    public int Count { get; private set; }

    /// <summary>Labels read, duplicates included.</summary>
    public long Records { get; set; }

    public long CorruptLines { get; set; }

    /// <summary>Keeps the label unless one for the same row is later; on equal times the one added later wins.</summary>
    public void Add(FeedbackRecord label)
    {
        _byKey = null;
        if (!_byRequest.TryGetValue(label.RequestId, out var rows))
        {
            _byRequest[label.RequestId] = rows = [];
        }
        for (var i = 0; i < rows.Count; i++)
        {
            if (rows[i].Row == label.Row)
            {
                if (label.Time >= rows[i].Time)
                {
                    rows[i] = label;
                }
                return;
            }
        }
        rows.Add(label);
        Count++;
    }

    public FeedbackRecord? Find(ReadOnlySpan<char> requestId, int row)
    {
        if (_lookup.TryGetValue(requestId, out var rows))
        {
            foreach (var label in rows)
            {
                if (label.Row == row)
                {
                    return label;
                }
            }
        }
        return null;
    }

    /// <summary>The label of the row with <see cref="RowFacts.KeyOf"/> <paramref name="key"/> (a row kept from an earlier
    /// read, whose id was not kept).</summary>
    public FeedbackRecord? Find(UInt128 key)
    {
        if (key == 0)
        {
            return null;
        }
        if (_byKey is null)
        {
            _byKey = new Dictionary<UInt128, FeedbackRecord>(Count);
            foreach (var label in _byRequest.Values.SelectMany(rows => rows))
            {
                _byKey[RowFacts.KeyOf(label.RequestId, label.Row)] = label;
            }
        }
        return _byKey.GetValueOrDefault(key);
    }
}
