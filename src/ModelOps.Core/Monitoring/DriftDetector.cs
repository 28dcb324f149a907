using ModelOps.Core.Data;

namespace ModelOps.Core.Monitoring;

/// <summary>
/// Judges each feature of a traffic window against its baseline, Evidently-style: tests (KS, chi-squared) on p-values
/// for small references, distances (normalised Wasserstein, Jensen-Shannon) for large ones, PSI for both; then adjusts
/// the p-values across features (Benjamini-Hochberg) and decides dataset drift by the share of drifted features.
/// </summary>
internal sealed class DriftDetector(DriftOptions options)
{
    /// <summary>Levels seen in the window but never in the reference share one bucket with this reference pseudo-count.</summary>
    internal const double UnseenPseudoCount = 0.5;

    private readonly DriftOptions _options = options.EnsureValid();

    /// <summary>Drift of a traffic window given as a table; columns are matched to baselines by name.</summary>
    public DriftReport Detect(DriftBaseline baseline, Table window)
    {
        using var summaries = WindowSummaries.Summarize(baseline, window, _options.MaxDegreeOfParallelism);
        return Detect(baseline, summaries);
    }

    /// <summary>Drift from window summaries keyed by feature name (case-insensitive); a feature missing from the window is not judged.</summary>
    public DriftReport Detect(DriftBaseline baseline, IReadOnlyDictionary<string, FeatureWindow> windows)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(windows);
        var features = new FeatureDrift[baseline.Features.Count];
        Parallel.For(0, features.Length, new ParallelOptions { MaxDegreeOfParallelism = _options.MaxDegreeOfParallelism }, i =>
        {
            var feature = baseline.Features[i];
            features[i] = windows.TryGetValue(feature.Name, out var window)
                ? Judge(feature, window)
                : NotJudged(feature, "The traffic window has no such column.");
        });
        features = AdjustPValues(features);

        FeatureDrift? prediction = null;
        if (baseline.Prediction is { } output)
        {
            prediction = windows.TryGetValue(output.Name, out var window) ? Judge(output, window) : NotJudged(output, "The traffic window has no such column.");
            prediction = prediction with { AdjustedPValue = prediction.PValue };
        }

        int judged = 0, drifted = 0;
        var psiAlarms = new List<string>();
        foreach (var f in features)
        {
            if (f.Method != DriftMethod.None)
            {
                judged++;
                drifted += f.Drifted ? 1 : 0;
            }
            if (f.PsiLevel == PsiLevel.Alarm)
            {
                psiAlarms.Add(f.Feature);
            }
        }
        var share = judged == 0 ? 0 : (double)drifted / judged;
        return new DriftReport(features, drifted, judged, share, _options.DriftShare, judged > 0 && share >= _options.DriftShare, psiAlarms, prediction);
    }

    /// <summary>One feature against its baseline; the kinds must match (numeric with numeric, categorical with categorical).</summary>
    public FeatureDrift Judge(FeatureBaseline baseline, FeatureWindow window) => (baseline, window) switch
    {
        (NumericBaseline b, NumericWindow w) => Numeric(b, w),
        (CategoricalBaseline b, CategoricalWindow w) => Categorical(b, w),
        _ => NotJudged(baseline, $"The baseline is {Kind(baseline)} but the window column is {Kind(window)}."),
    };

    /// <summary>A numeric feature: KS below the reference-size switch, normalised Wasserstein from it on; PSI always.</summary>
    public FeatureDrift Numeric(NumericBaseline baseline, NumericWindow window)
    {
        var reference = baseline.SortedValues;
        var current = window.Sorted;
        if (reference.Length == 0 || current.Length == 0)
        {
            return NotJudged(baseline, reference.Length == 0 ? "The reference has no values." : "The window has no values.");
        }
        var psi = PopulationStability.Index(
            baseline.BinProportions, PopulationStability.BinProportionsSorted(current, baseline.BinEdges), _options.PsiEpsilon);
        var psiLevel = PopulationStability.Level(psi, _options);
        if (reference.Length < _options.StatisticalTestMaxReferenceRows)
        {
            var ks = KolmogorovSmirnov.TestSorted(reference, current);
            return new FeatureDrift(baseline.Name, DriftMethod.KolmogorovSmirnov, ks.Statistic, ks.PValue, ks.PValue, null,
                _options.PValueThreshold, ks.PValue < _options.PValueThreshold, psi, psiLevel, reference.Length, current.Length);
        }
        var distance = Wasserstein.DistanceSorted(reference, current);
        var std = baseline.StandardDeviation;
        // A constant reference has no spread to scale by: any movement at all counts as infinitely far.
        var normalized = std > 0 ? distance / std : distance == 0 ? 0 : double.PositiveInfinity;
        return new FeatureDrift(baseline.Name, DriftMethod.NormalizedWasserstein, distance, null, null, normalized,
            _options.DistanceThreshold, normalized >= _options.DistanceThreshold, psi, psiLevel, reference.Length, current.Length);
    }

    /// <summary>
    /// A categorical feature: chi-squared below the reference-size switch, Jensen-Shannon from it on; PSI always, over the
    /// union of levels. For chi-squared, levels unseen in the reference are pooled into one bucket whose reference count is
    /// <see cref="UnseenPseudoCount"/>, so a new level is strong but finite evidence instead of an infinite statistic.
    /// </summary>
    public FeatureDrift Categorical(CategoricalBaseline baseline, CategoricalWindow window)
    {
        var referenceTotal = baseline.PresentCount;
        var currentTotal = window.PresentCount;
        if (referenceTotal == 0 || currentTotal == 0)
        {
            return NotJudged(baseline, referenceTotal == 0 ? "The reference has no values." : "The window has no values.");
        }
        var levels = new List<string>(baseline.Counts.Keys);
        levels.Sort(StringComparer.Ordinal);
        var unseen = new List<string>();
        foreach (var level in window.Counts.Keys)
        {
            if (!baseline.Counts.ContainsKey(level))
            {
                unseen.Add(level);
            }
        }
        unseen.Sort(StringComparer.Ordinal);

        var all = levels.Count + unseen.Count;
        var referenceShares = new double[all];
        var currentShares = new double[all];
        for (var i = 0; i < levels.Count; i++)
        {
            referenceShares[i] = (double)baseline.Counts[levels[i]] / referenceTotal;
            currentShares[i] = (double)window.Counts.GetValueOrDefault(levels[i]) / currentTotal;
        }
        for (var i = 0; i < unseen.Count; i++)
        {
            currentShares[levels.Count + i] = (double)window.Counts[unseen[i]] / currentTotal;
        }
        var psi = PopulationStability.Index(referenceShares, currentShares, _options.PsiEpsilon);
        var psiLevel = PopulationStability.Level(psi, _options);
        var note = unseen.Count == 0 ? null : $"{unseen.Count} level(s) unseen in the reference.";

        if (referenceTotal < _options.StatisticalTestMaxReferenceRows)
        {
            var (observed, expected) = ChiSquaredCounts(baseline, window, levels, unseen);
            var chi = observed.Length < 2 ? new TestResult(0, 1.0) : ChiSquared.Test(observed, expected);
            return new FeatureDrift(baseline.Name, DriftMethod.ChiSquared, chi.Statistic, chi.PValue, chi.PValue, null,
                _options.PValueThreshold, chi.PValue < _options.PValueThreshold, psi, psiLevel, referenceTotal, currentTotal, note);
        }
        var js = JensenShannon.Distance(referenceShares, currentShares);
        return new FeatureDrift(baseline.Name, DriftMethod.JensenShannon, js, null, null, js,
            _options.DistanceThreshold, js >= _options.DistanceThreshold, psi, psiLevel, referenceTotal, currentTotal, note);
    }

    /// <summary>
    /// Observed window counts per reference level (plus one pooled unseen bucket when there are unseen levels), and the
    /// expected counts: reference proportions (with the pseudo-count for the unseen bucket) times the window's total.
    /// </summary>
    internal static (double[] Observed, double[] Expected) ChiSquaredCounts(
        CategoricalBaseline baseline, CategoricalWindow window, IReadOnlyList<string> levels, IReadOnlyList<string> unseen)
    {
        var buckets = levels.Count + (unseen.Count > 0 ? 1 : 0);
        var observed = new double[buckets];
        var referenceCounts = new double[buckets];
        for (var i = 0; i < levels.Count; i++)
        {
            observed[i] = window.Counts.GetValueOrDefault(levels[i]);
            referenceCounts[i] = baseline.Counts[levels[i]];
        }
        if (unseen.Count > 0)
        {
            foreach (var level in unseen)
            {
                observed[^1] += window.Counts[level];
            }
            referenceCounts[^1] = UnseenPseudoCount;
        }
        var referenceTotal = 0.0;
        foreach (var c in referenceCounts)
        {
            referenceTotal += c;
        }
        double currentTotal = window.PresentCount;
        var expected = new double[buckets];
        for (var i = 0; i < buckets; i++)
        {
            expected[i] = referenceCounts[i] / referenceTotal * currentTotal;
        }
        return (observed, expected);
    }

    private FeatureDrift[] AdjustPValues(FeatureDrift[] features)
    {
        var pValues = new double[features.Length];
        for (var i = 0; i < features.Length; i++)
        {
            pValues[i] = features[i].PValue ?? double.NaN;
        }
        var adjusted = BenjaminiHochberg.Adjust(pValues);
        var result = new FeatureDrift[features.Length];
        for (var i = 0; i < features.Length; i++)
        {
            var f = features[i];
            if (f.PValue is null)
            {
                result[i] = f;
                continue;
            }
            result[i] = f with
            {
                AdjustedPValue = adjusted[i],
                Drifted = _options.UseAdjustedPValues ? adjusted[i] < _options.PValueThreshold : f.Drifted,
            };
        }
        return result;
    }

    private static FeatureDrift NotJudged(FeatureBaseline baseline, string why) =>
        new(baseline.Name, DriftMethod.None, double.NaN, null, null, null, double.NaN, false, double.NaN, PsiLevel.Stable, baseline.PresentCount, 0, why);

    private static string Kind(object o) => o is NumericBaseline or NumericWindow ? "numeric" : "categorical";
}
