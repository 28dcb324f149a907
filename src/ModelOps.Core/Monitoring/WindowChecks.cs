using ModelOps.Core.Data;

namespace ModelOps.Core.Monitoring;

/// <summary>
/// The per-feature work of a monitor tick: summarise the window's columns once (sort numeric values, count levels),
/// then judge drift and data quality from the same summaries.
/// </summary>
internal static class WindowChecks
{
    /// <summary>Drift and data quality of a traffic window against a baseline.</summary>
    public static (DriftReport Drift, DataQualityReport Quality) Evaluate(
        DriftBaseline baseline, Table window, DriftOptions drift, IReadOnlyDictionary<string, long>? typeErrors = null, DataQualityOptions? quality = null)
    {
        ArgumentNullException.ThrowIfNull(drift);
        using var summaries = WindowSummaries.Summarize(baseline, window, drift.MaxDegreeOfParallelism);
        return (new DriftDetector(drift).Detect(baseline, summaries), DataQualityCheck.Evaluate(baseline, summaries, typeErrors, quality));
    }
}
