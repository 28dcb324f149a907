using System.Diagnostics.CodeAnalysis;
using ModelOps.Core.Data;

namespace ModelOps.Core.Monitoring;

/// <summary>
/// The columns of a traffic window that have a baseline, summarised in parallel once per tick and keyed by column name
/// (case-insensitive). Disposing gives the numeric summaries' pooled buffers back, so dispose after the checks.
/// </summary>
internal sealed class WindowSummaries : IReadOnlyDictionary<string, FeatureWindow>, IDisposable
{
    private readonly Dictionary<string, FeatureWindow> _windows;

    private WindowSummaries(Dictionary<string, FeatureWindow> windows) => _windows = windows;

    /// <summary>Summaries of every baseline feature and the prediction found in the window.</summary>
    public static WindowSummaries Summarize(DriftBaseline baseline, Table window, int maxDegreeOfParallelism = -1)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(window);
        var names = new List<string>();
        foreach (var f in baseline.Features)
        {
            names.Add(f.Name);
        }
        if (baseline.Prediction is { } p)
        {
            names.Add(p.Name);
        }
        var summaries = new FeatureWindow?[names.Count];
        Parallel.For(0, names.Count, new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism }, i =>
        {
            var index = window.Schema.IndexOf(names[i]);
            summaries[i] = index < 0 ? null : FeatureWindow.From(window.Column(index));
        });
        var result = new Dictionary<string, FeatureWindow>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < names.Count; i++)
        {
            if (summaries[i] is { } s && !result.TryAdd(names[i], s))
            {
                (s as IDisposable)?.Dispose(); // a name listed twice was summarised twice; keep the first
            }
        }
        return new WindowSummaries(result);
    }

    public FeatureWindow this[string key] => _windows[key];

    public IEnumerable<string> Keys => _windows.Keys;

    public IEnumerable<FeatureWindow> Values => _windows.Values;

    public int Count => _windows.Count;

    public bool ContainsKey(string key) => _windows.ContainsKey(key);

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out FeatureWindow value) => _windows.TryGetValue(key, out value);

    public IEnumerator<KeyValuePair<string, FeatureWindow>> GetEnumerator() => _windows.GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    public void Dispose()
    {
        foreach (var window in _windows.Values)
        {
            (window as IDisposable)?.Dispose();
        }
    }
}
