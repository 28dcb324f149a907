using ModelOps.Core.Data;

namespace ModelOps.Core.Monitoring;

/// <summary>Summarises the columns of a traffic window that have a baseline, in parallel, once per tick.</summary>
internal static class WindowSummaries
{
    /// <summary>Summaries keyed by column name (case-insensitive) for every baseline feature and the prediction found in the window.</summary>
    public static IReadOnlyDictionary<string, FeatureWindow> Summarize(DriftBaseline baseline, Table window, int maxDegreeOfParallelism = -1)
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
            if (summaries[i] is { } s)
            {
                result[names[i]] = s;
            }
        }
        return result;
    }
}
