using ModelOps.Core.Data;
using ModelOps.Core.Training;

namespace ModelOps.Core.Evaluation;

/// <summary>
/// Candidate and champion (the production model) scored on the same held-out rows. <see cref="Champion"/> is null
/// when there is no champion, or when it could not be scored on these rows (<see cref="ChampionError"/> says why).
/// </summary>
public sealed record ChampionComparison(
    string Metric,
    int Rows,
    IReadOnlyDictionary<string, double> Candidate,
    IReadOnlyDictionary<string, double>? Champion,
    int? ChampionVersion,
    string? ChampionError)
{
    /// <summary>Candidate minus champion per metric the two share; empty without a champion.</summary>
    public IReadOnlyDictionary<string, double> Deltas =>
        Champion is null
            ? new Dictionary<string, double>()
            : Candidate.Where(c => Champion.ContainsKey(c.Key)).ToDictionary(c => c.Key, c => c.Value - Champion[c.Key]);
}

/// <summary>Scores the candidate and the champion on the same held-out rows.</summary>
internal static class ChampionEvaluator
{
    /// <param name="champion">The production model, loaded with its own problem; null when none is in production.</param>
    public static ChampionComparison Compare(TrainedModel candidate, TrainedModel? champion, int? championVersion, Table heldOut,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(heldOut);
        var candidateMetrics = ModelEvaluator.Evaluate(candidate, heldOut);
        cancellationToken.ThrowIfCancellationRequested();
        if (champion is null)
        {
            return new ChampionComparison(candidate.Problem.Metric, heldOut.RowCount, candidateMetrics, null, championVersion, null);
        }
        if (champion.Problem.Task != candidate.Problem.Task)
        {
            return new ChampionComparison(candidate.Problem.Metric, heldOut.RowCount, candidateMetrics, null, championVersion,
                $"The champion solves {champion.Problem.Task}, the candidate {candidate.Problem.Task}; their metrics do not compare.");
        }
        try
        {
            var championMetrics = ModelEvaluator.Evaluate(champion, heldOut);
            return new ChampionComparison(candidate.Problem.Metric, heldOut.RowCount, candidateMetrics, championMetrics, championVersion, null);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A schema change can leave the champion unable to read the new rows; that is a finding, not a failed run.
            return new ChampionComparison(candidate.Problem.Metric, heldOut.RowCount, candidateMetrics, null, championVersion,
                $"The champion could not be scored on the held-out rows: {e.Message}");
        }
    }
}
