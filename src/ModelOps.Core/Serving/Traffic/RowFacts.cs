using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace ModelOps.Core.Serving.Traffic;

/// <summary>
/// What a kept window needs of each line it read to lay out a later, moved window without reading the line again: a
/// row's time, the key its label would have, whether it opened its request and which features had the wrong type; and
/// the time, key and place of each record of another version. See <see cref="TrafficWindowCache"/>.
/// </summary>
internal sealed class RowFacts
{
    private long[] _times = [];
    private UInt128[] _keys = [];

    /// <summary>Per row taken, its time in UTC ticks.</summary>
    public ReadOnlySpan<long> Times(int count) => _times.AsSpan(0, count);

    /// <summary>Per row taken, <see cref="KeyOf"/> its request id and row; 0 when its id is too long to have a label.</summary>
    public ReadOnlySpan<UInt128> Keys(int count) => _keys.AsSpan(0, count);

    /// <summary>The rows taken that were their request's row 0, in order.</summary>
    public List<int> RequestStarts { get; } = [];

    /// <summary>The rows taken with a value of the wrong type, and the feature, in row order.</summary>
    public List<(int Row, int Feature)> WrongTypes { get; } = [];

    /// <summary>The records of other versions: time, label key and how many rows had been taken before them.</summary>
    public List<(long Ticks, UInt128 Key, int Before)> OtherVersions { get; } = [];

    /// <summary>The latest time of a record read, in UTC ticks.</summary>
    public long LatestTicks { get; private set; } = long.MinValue;

    /// <summary>A row's key for its label: a 128-bit hash of its request id and row (two different rows share one with a
    /// chance of about 2^-128, the same trust <see cref="Data.RowHashSet"/> puts in its hashes).</summary>
    public static UInt128 KeyOf(ReadOnlySpan<char> requestId, int row)
    {
        if (requestId.IsEmpty)
        {
            return 0;
        }
        var hash = XxHash128.HashToUInt128(MemoryMarshal.AsBytes(requestId), seed: row);
        return hash == 0 ? 1 : hash;
    }

    public void Grow(int capacity)
    {
        Array.Resize(ref _times, capacity);
        Array.Resize(ref _keys, capacity);
    }

    public void Take(int row, long ticks, UInt128 key, bool opensRequest, ReadOnlySpan<bool> wrongType)
    {
        _times[row] = ticks;
        _keys[row] = key;
        LatestTicks = Math.Max(LatestTicks, ticks);
        if (opensRequest)
        {
            RequestStarts.Add(row);
        }
        for (var f = 0; f < wrongType.Length; f++)
        {
            if (wrongType[f])
            {
                WrongTypes.Add((row, f));
            }
        }
    }

    public void OtherVersion(long ticks, UInt128 key, int before)
    {
        OtherVersions.Add((ticks, key, before));
        LatestTicks = Math.Max(LatestTicks, ticks);
    }
}
