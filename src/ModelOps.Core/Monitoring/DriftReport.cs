namespace ModelOps.Core.Monitoring;

/// <summary>How a feature's drift was judged.</summary>
public enum DriftMethod
{
    /// <summary>Not judged: the window or the reference had no values.</summary>
    None,

    /// <summary>Two-sample Kolmogorov-Smirnov test (numeric, small reference); judged on the p-value.</summary>
    KolmogorovSmirnov,

    /// <summary>Chi-squared goodness of fit against the reference proportions (categorical, small reference); judged on the p-value.</summary>
    ChiSquared,

    /// <summary>Wasserstein distance divided by the reference standard deviation (numeric, large reference); judged on the distance.</summary>
    NormalizedWasserstein,

    /// <summary>Jensen-Shannon distance, natural log (categorical, large reference); judged on the distance.</summary>
    JensenShannon,
}

/// <summary>Where a population stability index stands against the warning and alarm levels.</summary>
public enum PsiLevel
{
    Stable,
    Warning,
    Alarm,
}

/// <summary>One feature's drift against its baseline.</summary>
/// <param name="Statistic">KS D, chi-squared statistic, raw Wasserstein distance, or Jensen-Shannon distance.</param>
/// <param name="PValue">The test's p-value; null for distance methods.</param>
/// <param name="AdjustedPValue">Benjamini-Hochberg adjusted across the report's tested features; null for distance methods.</param>
/// <param name="Distance">The judged distance (Wasserstein divided by the reference std, or Jensen-Shannon); null for tests.</param>
/// <param name="Threshold">The p-value or distance threshold the feature was judged against.</param>
/// <param name="Psi">Population stability index over the PSI bins (numeric) or levels (categorical).</param>
/// <param name="ReferenceCount">Non-missing reference values compared.</param>
/// <param name="CurrentCount">Non-missing (finite) window values compared.</param>
/// <param name="Note">Why the feature was not judged, or how unseen levels were handled; null otherwise.</param>
public sealed record FeatureDrift(
    string Feature,
    DriftMethod Method,
    double Statistic,
    double? PValue,
    double? AdjustedPValue,
    double? Distance,
    double Threshold,
    bool Drifted,
    double Psi,
    PsiLevel PsiLevel,
    long ReferenceCount,
    int CurrentCount,
    string? Note = null);

/// <summary>Drift of every feature of a traffic window, whether the dataset drifted, and drift of the model's output.</summary>
/// <param name="JudgedFeatures">Features with values on both sides; the drifted share is over these.</param>
/// <param name="DriftedShare">DriftedFeatures / JudgedFeatures (0 when none was judged).</param>
/// <param name="DatasetDrift">True when <paramref name="DriftedShare"/> reaches <paramref name="DriftShareThreshold"/>.</param>
/// <param name="PsiAlarms">Features whose PSI reached the alarm level.</param>
/// <param name="Prediction">Drift of the model output column, judged like a feature but never adjusted; null without a prediction baseline.</param>
public sealed record DriftReport(
    IReadOnlyList<FeatureDrift> Features,
    int DriftedFeatures,
    int JudgedFeatures,
    double DriftedShare,
    double DriftShareThreshold,
    bool DatasetDrift,
    IReadOnlyList<string> PsiAlarms,
    FeatureDrift? Prediction);
