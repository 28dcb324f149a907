using System.Numerics;

namespace ModelOps.Core.Data;

/// <summary>
/// Where a short text goes in a small direct-mapped cache of recent values: most columns of text have few distinct
/// values, so a quick hash of the text and one comparison answer most of them before a dictionary is asked (a hash of
/// the whole text, a probe, a comparison). Texts longer than <see cref="MaxLength"/> have no slot.
/// </summary>
internal static class RecentSlots
{
    public const int Count = 256;
    public const int MaxLength = 16;

    /// <summary>The text's slot (UTF-16 or UTF-8), or -1 when it is too long for one.</summary>
    public static int Of<TChar>(ReadOnlySpan<TChar> text)
        where TChar : unmanaged, IBinaryInteger<TChar>
    {
        if (text.Length > MaxLength)
        {
            return -1;
        }
        var hash = (uint)text.Length;
        foreach (var ch in text)
        {
            hash = (hash * 31) + uint.CreateTruncating(ch);
        }
        return (int)((hash ^ (hash >> 8) ^ (hash >> 16)) & (Count - 1));
    }
}
