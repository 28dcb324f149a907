using System.Globalization;

namespace ModelOps.Durable.Bench;

/// <summary>
/// The options after the mode word: <c>--name value</c> pairs and bare <c>--flag</c>s. Unknown names are an error,
/// so a typo never silently runs the default.
/// </summary>
internal sealed class CommandArgs
{
    private readonly Dictionary<string, string?> _values;
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    private CommandArgs(Dictionary<string, string?> values) => _values = values;

    public static CommandArgs Parse(IReadOnlyList<string> args)
    {
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"Unexpected argument '{args[i]}'; options look like --name value.");
            }
            var name = args[i][2..];
            var hasValue = i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal);
            values[name] = hasValue ? args[++i] : null;
        }
        return new CommandArgs(values);
    }

    public bool Flag(string name)
    {
        _read.Add(name);
        return _values.ContainsKey(name);
    }

    public string? String(string name)
    {
        _read.Add(name);
        return _values.GetValueOrDefault(name);
    }

    public string Required(string name) =>
        String(name) ?? throw new ArgumentException($"--{name} is required.");

    public int Int(string name, int fallback)
    {
        var text = String(name);
        return text is null ? fallback : int.Parse(text, CultureInfo.InvariantCulture);
    }

    /// <summary>Call after reading every option: names given but never asked for are typos.</summary>
    public void EnsureAllRead()
    {
        var unknown = _values.Keys.Where(k => !_read.Contains(k)).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException("Unknown option(s): " + string.Join(", ", unknown.Select(u => "--" + u)));
        }
    }
}
