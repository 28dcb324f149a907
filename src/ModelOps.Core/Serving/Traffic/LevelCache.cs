using System.IO.Hashing;
using ModelOps.Core.Data;

namespace ModelOps.Core.Serving.Traffic;

/// <summary>
/// One blob reader's front of a column's <see cref="LevelInterner"/>, keyed on the raw UTF-8 bytes: a level seen before
/// costs one hash of its bytes instead of a UTF-16 decode and a lookup in the shared concurrent dictionary, and a
/// recent short one (see <see cref="RecentSlots"/>) only a comparison. Holds at most <see cref="MaxEntries"/> levels (a
/// high-cardinality column then goes to the interner). Not thread-safe.
/// </summary>
internal sealed class LevelCache
{
    private const int MaxEntries = 4096;

    private readonly Dictionary<byte[], string> _levels;
    private readonly Dictionary<byte[], string>.AlternateLookup<ReadOnlySpan<byte>> _lookup;

    private readonly LevelInterner _interner;

    public LevelCache(LevelInterner interner)
    {
        _interner = interner;
        _levels = new Dictionary<byte[], string>(Utf8Comparer.Instance);
        _lookup = _levels.GetAlternateLookup<ReadOnlySpan<byte>>();
    }

    /// <summary>Recent levels by <see cref="RecentSlots"/>: their bytes, and the level.</summary>
    private readonly byte[]?[] _recentUtf8 = new byte[]?[RecentSlots.Count];
    private readonly string?[] _recentLevels = new string?[RecentSlots.Count];

    /// <summary>The interner's instance for the UTF-8 text.</summary>
    public string Intern(ReadOnlySpan<byte> utf8)
    {
        var slot = RecentSlots.Of(utf8);
        if (slot >= 0 && _recentUtf8[slot] is { } recent && utf8.SequenceEqual(recent))
        {
            return _recentLevels[slot]!;
        }
        if (!_lookup.TryGetValue(utf8, out var key, out var level))
        {
            level = _interner.Intern(utf8);
            key = utf8.ToArray();
            if (_levels.Count < MaxEntries)
            {
                _levels[key] = level;
            }
        }
        if (slot >= 0)
        {
            _recentUtf8[slot] = key;
            _recentLevels[slot] = level;
        }
        return level;
    }

    /// <summary>Byte-wise equality, with lookups by span.</summary>
    private sealed class Utf8Comparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
    {
        public static readonly Utf8Comparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj) => GetHashCode((ReadOnlySpan<byte>)obj);

        public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

        public int GetHashCode(ReadOnlySpan<byte> alternate) => unchecked((int)XxHash3.HashToUInt64(alternate));

        public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();
    }
}
