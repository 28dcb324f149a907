namespace ModelOps.Core.Training;

/// <summary>One configuration to try: a trainer name from the catalog and its hyperparameter values (missing ones take defaults).</summary>
public sealed record TrialParameters(string Trainer, IReadOnlyDictionary<string, double> Values)
{
    public override string ToString() =>
        $"{Trainer}({string.Join(", ", Values.OrderBy(v => v.Key, StringComparer.Ordinal).Select(v => $"{v.Key}={v.Value:G4}"))})";
}

/// <summary>
/// The outcome of one trial. <see cref="Score"/> is the mean cross-validated value of the problem's metric, in the
/// metric's own units (see <see cref="Evaluation.MetricCatalog"/> for its direction); null, with <see cref="Error"/>
/// saying why, when the trial failed. A failed trial is data, and the search goes on.
/// </summary>
public sealed record TrialResult(
    int Trial,
    TrialParameters Parameters,
    double? Score,
    IReadOnlyDictionary<string, double> Metrics,
    string? Error,
    double Seconds)
{
    public bool Succeeded => Error is null && Score is { } s && !double.IsNaN(s);
}
