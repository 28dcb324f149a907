namespace ModelOps.Core.Monitoring;

/// <summary>How drift is judged; the defaults follow Evidently's data drift preset.</summary>
public sealed record DriftOptions
{
    public const double DefaultPsiEpsilon = 1e-4;

    /// <summary>
    /// References with fewer non-missing values than this are judged by tests (KS, chi-squared) on p-values; from this
    /// size on by distances (normalised Wasserstein, Jensen-Shannon), because with many rows every test rejects. Default 1,000.
    /// </summary>
    public int StatisticalTestMaxReferenceRows { get; init; } = 1000;

    /// <summary>A tested feature drifts when its p-value is below this. Default 0.05.</summary>
    public double PValueThreshold { get; init; } = 0.05;

    /// <summary>A feature judged by distance drifts when the distance is at or above this. Default 0.1.</summary>
    public double DistanceThreshold { get; init; } = 0.1;

    /// <summary>The dataset drifts when the share of drifted features is at or above this. Default 0.5 (the model config's <c>monitor.driftShare</c>).</summary>
    public double DriftShare { get; init; } = 0.5;

    /// <summary>
    /// When true, tested features are judged on Benjamini-Hochberg adjusted p-values across the features of one report.
    /// Default false, as Evidently; the adjusted p-values are reported either way.
    /// </summary>
    public bool UseAdjustedPValues { get; init; }

    /// <summary>PSI at or above this is a warning. Default 0.1.</summary>
    public double PsiWarning { get; init; } = 0.1;

    /// <summary>PSI at or above this is an alarm. Default 0.25.</summary>
    public double PsiAlarm { get; init; } = 0.25;

    /// <summary>Equal-width bins over the reference range for numeric PSI (outer bins open). Default 10.</summary>
    public int PsiBins { get; init; } = 10;

    /// <summary>Proportion used in place of an empty bin's zero in PSI. Default 1e-4, as Evidently.</summary>
    public double PsiEpsilon { get; init; } = DefaultPsiEpsilon;

    /// <summary>Features analysed at once; default -1 uses every core.</summary>
    public int MaxDegreeOfParallelism { get; init; } = -1;

    /// <summary>Every problem with these options, in one list; empty when they are valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (StatisticalTestMaxReferenceRows < 0)
        {
            errors.Add($"StatisticalTestMaxReferenceRows must be 0 or more (was {StatisticalTestMaxReferenceRows}).");
        }
        if (!(PValueThreshold > 0 && PValueThreshold < 1))
        {
            errors.Add($"PValueThreshold must lie strictly between 0 and 1 (was {PValueThreshold}).");
        }
        if (!(DistanceThreshold > 0))
        {
            errors.Add($"DistanceThreshold must be positive (was {DistanceThreshold}).");
        }
        if (!(DriftShare > 0 && DriftShare <= 1))
        {
            errors.Add($"DriftShare must lie in (0, 1] (was {DriftShare}).");
        }
        if (!(PsiWarning > 0 && PsiAlarm >= PsiWarning))
        {
            errors.Add($"PSI levels need 0 < PsiWarning <= PsiAlarm (were {PsiWarning} and {PsiAlarm}).");
        }
        if (PsiBins < 2)
        {
            errors.Add($"PsiBins must be 2 or more (was {PsiBins}).");
        }
        if (!(PsiEpsilon > 0 && PsiEpsilon < 0.01))
        {
            errors.Add($"PsiEpsilon must lie in (0, 0.01) (was {PsiEpsilon}).");
        }
        if (MaxDegreeOfParallelism == 0 || MaxDegreeOfParallelism < -1)
        {
            errors.Add($"MaxDegreeOfParallelism must be -1 or positive (was {MaxDegreeOfParallelism}).");
        }
        return errors;
    }

    /// <summary>Throws with every problem in one message when the options are invalid.</summary>
    public DriftOptions EnsureValid()
    {
        var errors = Validate();
        return errors.Count == 0 ? this : throw new ArgumentException("Invalid drift options: " + string.Join(" ", errors));
    }
}
