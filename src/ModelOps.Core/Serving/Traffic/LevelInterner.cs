using System.Collections.Concurrent;
using System.Text;

namespace ModelOps.Core.Serving.Traffic;

/// <summary>
/// One string instance per distinct categorical value of a column, shared by the blobs read at once: the monitor's
/// level counts key on the instance, and a window of a million rows holds a few dozen strings instead of a million.
/// </summary>
internal sealed class LevelInterner
{
    private const int StackChars = 256;

    private readonly ConcurrentDictionary<string, string> _levels = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    public LevelInterner() => _lookup = _levels.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>The shared instance of the UTF-8 text.</summary>
    public string Intern(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > StackChars)
        {
            return Intern(Encoding.UTF8.GetString(utf8));
        }
        Span<char> chars = stackalloc char[StackChars];
        var length = Encoding.UTF8.GetChars(utf8, chars);
        var text = chars[..length];
        return _lookup.TryGetValue(text, out var level) ? level : Intern(text.ToString());
    }

    public string Intern(string text) => _levels.GetOrAdd(text, text);
}
