using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ModelOps.Core.Data;

/// <summary>
/// Counts string cells by reference: a column's cells share one string object per level (the reader pools them), so
/// the object, not its text, is the key, found by its identity hash in a small open-addressing table. Each level seen
/// gets a dense code, in the order first seen. Two objects with the same text are two entries; <see cref="ByValue"/>
/// adds them up.
/// </summary>
internal sealed class LevelTally
{
    private string?[] _keys = new string?[64];
    private int[] _slots = new int[64];
    private readonly List<string> _levels = [];
    private long[] _counts = new long[32];

    /// <summary>Levels (objects) seen, in code order.</summary>
    public int Count => _levels.Count;

    public string Level(int code) => _levels[code];

    public long CountOf(int code) => _counts[code];

    /// <summary>The level's code, adding it when new (unless <paramref name="addNew"/> is false: then -1).</summary>
    public int CodeOf(string level, bool addNew = true)
    {
        var mask = _keys.Length - 1;
        for (var i = RuntimeHelpers.GetHashCode(level) & mask; ; i = (i + 1) & mask)
        {
            var key = _keys[i];
            if (ReferenceEquals(key, level))
            {
                return _slots[i];
            }
            if (key is null)
            {
                if (!addNew) return -1;
                var code = _levels.Count;
                _keys[i] = level;
                _slots[i] = code;
                _levels.Add(level);
                if (code == _counts.Length) Array.Resize(ref _counts, code * 2);
                if (_levels.Count * 2 > _keys.Length) Grow();
                return code;
            }
        }
    }

    /// <summary>Adds <paramref name="count"/> to the level's count.</summary>
    public void Add(string level, long count)
    {
        var code = CodeOf(level); // first: it may grow the counts
        _counts[code] += count;
    }

    /// <summary>Adds to a level already seen; false (nothing added) for a new one.</summary>
    public bool TryAddExisting(string level, long count)
    {
        var code = CodeOf(level, addNew: false);
        if (code < 0) return false;
        _counts[code] += count;
        return true;
    }

    /// <summary>Counts by text (objects with the same text added up).</summary>
    public Dictionary<string, long> ByValue()
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        for (var code = 0; code < _levels.Count; code++)
        {
            CollectionsMarshal.GetValueRefOrAddDefault(counts, _levels[code], out _) += _counts[code];
        }
        return counts;
    }

    public void Clear()
    {
        Array.Clear(_keys);
        Array.Clear(_counts, 0, _levels.Count);
        _levels.Clear();
    }

    private void Grow()
    {
        var keys = new string?[_keys.Length * 2];
        var slots = new int[keys.Length];
        var mask = keys.Length - 1;
        for (var code = 0; code < _levels.Count; code++)
        {
            var i = RuntimeHelpers.GetHashCode(_levels[code]) & mask;
            while (keys[i] is not null) i = (i + 1) & mask;
            keys[i] = _levels[code];
            slots[i] = code;
        }
        (_keys, _slots) = (keys, slots);
    }
}
