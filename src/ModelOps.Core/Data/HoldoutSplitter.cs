using System.Globalization;
using System.Runtime.InteropServices;

namespace ModelOps.Core.Data;

/// <summary>
/// How a run's cleaned rows split into training and held-out rows: recorded by the first data pass, replayed by every
/// reader of the rows (<see cref="CleanedRows"/>), so each side is the same whoever reads it.
/// </summary>
/// <param name="Stratify">Split within each label value (classification), rather than over all rows at once.</param>
public sealed record HoldoutSplit(double Fraction, int Seed, bool Stratify)
{
    /// <summary>A fresh splitter, to meet the rows from the first.</summary>
    public HoldoutSplitter Start() => new(Fraction, Seed, Stratify);
}

/// <summary>One side of a <see cref="HoldoutSplit"/>.</summary>
public enum SplitSide
{
    /// <summary>The rows the trials and the final fit learn from.</summary>
    Train,

    /// <summary>The held-out rows candidate and champion are both scored on.</summary>
    Holdout,
}

/// <summary>
/// Splits rows into training and held-out sets as they stream by, deterministically for a seed: within each label value
/// (one group for regression) every 1/fraction-th row, from a random start, is held out, so each class is split in the
/// same proportion whatever the order of the file.
/// </summary>
public sealed class HoldoutSplitter(double holdoutFraction, int seed, bool stratify)
{
    private readonly Dictionary<string, Group> _groups = new(StringComparer.Ordinal);
    // A numeric label's group found by the number itself, for the first 10,000 values: no text per row.
    private readonly Dictionary<double, Group> _numberGroups = [];
    private Group? _all;

    /// <summary>For a numeric label: grouped by its invariant text, as a string label would be.</summary>
    public bool IsHoldout(double label)
    {
        if (!stratify)
        {
            return Step(_all ??= GroupOf(""));
        }
        if (!_numberGroups.TryGetValue(label, out var group))
        {
            group = GroupOf(NumberKey(label));
            if (_numberGroups.Count < 10_000) _numberGroups[label] = group;
        }
        return Step(group);
    }

    public bool IsHoldout(string label) => Step(stratify ? GroupOf(label) : _all ??= GroupOf(""));

    private Group GroupOf(string key)
    {
        ref var group = ref CollectionsMarshal.GetValueRefOrAddDefault(_groups, key, out var known);
        if (!known)
        {
            group = new Group(StableHash(key)); // where in its first 1/fraction rows the group's first held-out row falls
        }
        return group!;
    }

    private bool Step(Group group)
    {
        var before = Math.Floor(group.Seen * holdoutFraction + group.Offset);
        var after = Math.Floor((group.Seen + 1) * holdoutFraction + group.Offset);
        group.Seen++;
        return after > before;
    }

    /// <summary>
    /// How many of <paramref name="rows"/> rows with the label <paramref name="label"/> (any label when not stratified)
    /// the splitter holds out, without meeting them: the steps of <see cref="IsHoldout(string)"/> add up to
    /// floor(rows × fraction + offset), the offset being below 1.
    /// </summary>
    public long HeldOut(string label, long rows) =>
        (long)Math.Floor(rows * holdoutFraction + StableHash(stratify ? label : ""));

    /// <inheritdoc cref="HeldOut(string, long)"/>
    public long HeldOut(double label, long rows) => HeldOut(stratify ? NumberKey(label) : "", rows);

    // 0 and -0 are one label, as a dictionary of numbers counts them.
    private static string NumberKey(double label) => (label == 0 ? 0.0 : label).ToString(CultureInfo.InvariantCulture);

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
