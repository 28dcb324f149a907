namespace ModelOps.Core.Serving.Traffic;

/// <summary>
/// Bounds a window read to about <see cref="MaxRows"/> rows. Each blob judges from its first lines how many bytes a line
/// takes, so how many lines the window's bytes hold, and keeps each later line with the share that leaves about the
/// bound, by a hash of the blob's place in the window and the line's number: the same blobs give the same rows on every
/// read, whatever order they are read in. Lines left out are not parsed, so a window ten times the bound costs about a
/// tenth of reading it whole. Each blob's first lines are all kept (a few hundred a blob).
/// </summary>
internal sealed class WindowSampling(long maxRows, long windowBytes)
{
    public long MaxRows { get; } = maxRows;

    /// <summary>The share of lines to keep, from a blob's first <paramref name="lines"/> lines and their bytes: 1 when the
    /// window holds no more than <see cref="MaxRows"/> lines of that length.</summary>
    public double ShareFor(long lines, long bytes)
    {
        if (lines <= 0 || bytes <= 0)
        {
            return 1;
        }
        var estimated = (double)windowBytes * lines / bytes;
        return estimated <= MaxRows ? 1 : MaxRows / estimated;
    }

    /// <summary>Whether line <paramref name="line"/> of the window's blob <paramref name="blob"/> is read at <paramref name="share"/>.</summary>
    public static bool Keeps(int blob, long line, double share)
    {
        if (!(share < 1))
        {
            return true;
        }
        // SplitMix64's finaliser over the line's place: 53 uniform bits compared with the share.
        var z = ((ulong)blob << 44) ^ (ulong)line;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (z >> 11) * (1.0 / (1UL << 53)) < share;
    }
}
