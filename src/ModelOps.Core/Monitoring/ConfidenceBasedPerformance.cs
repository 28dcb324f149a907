namespace ModelOps.Core.Monitoring;

/// <summary>Performance of a classifier estimated from its own probabilities, for traffic without labels yet.</summary>
/// <param name="ExpectedAccuracy">Mean probability that the predicted class is right.</param>
/// <param name="ExpectedRocAuc">Binary only (NaN otherwise): the AUC of the expected ROC curve.</param>
public sealed record PerformanceEstimate(int Rows, double ExpectedAccuracy, double ExpectedRocAuc);

/// <summary>
/// Confidence-based performance estimation (CBPE, as in NannyML): if the model's probabilities are calibrated, a row
/// predicted with probability p is right with probability p, so expected confusion-matrix counts follow from the
/// probabilities alone. The estimate is only as good as the calibration, and it cannot see concept drift.
/// </summary>
internal static class ConfidenceBasedPerformance
{
    /// <summary>Binary: expected accuracy at <paramref name="threshold"/> (max(p, 1-p) at 0.5) and expected ROC AUC.</summary>
    public static PerformanceEstimate Binary(ReadOnlySpan<double> probabilities, double threshold = 0.5)
    {
        if (probabilities.Length == 0)
        {
            return new PerformanceEstimate(0, double.NaN, double.NaN);
        }
        var sum = 0.0;
        foreach (var p in probabilities)
        {
            sum += p >= threshold ? p : 1 - p;
        }
        return new PerformanceEstimate(probabilities.Length, sum / probabilities.Length, ExpectedRocAuc(probabilities));
    }

    /// <summary>Multiclass: the mean of each row's largest class probability; <paramref name="probabilities"/> is rows × classes, row-major.</summary>
    public static PerformanceEstimate Multiclass(ReadOnlySpan<double> probabilities, int classes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        if (probabilities.Length % classes != 0)
        {
            throw new ArgumentException($"{probabilities.Length} probabilities do not fill rows of {classes} classes.", nameof(probabilities));
        }
        var rows = probabilities.Length / classes;
        var sum = 0.0;
        for (var r = 0; r < rows; r++)
        {
            var max = double.NegativeInfinity;
            foreach (var p in probabilities.Slice(r * classes, classes))
            {
                max = Math.Max(max, p);
            }
            sum += max;
        }
        return new PerformanceEstimate(rows, rows == 0 ? double.NaN : sum / rows, double.NaN);
    }

    /// <summary>
    /// NannyML's estimated ROC AUC: at each distinct threshold t, expected TP = Σ p over rows with p ≥ t, expected FP =
    /// Σ (1-p) over the same rows, expected FN and TN likewise below t; the trapezoid area under the expected (FPR, TPR) curve.
    /// </summary>
    public static double ExpectedRocAuc(ReadOnlySpan<double> probabilities)
    {
        var sorted = probabilities.ToArray();
        Array.Sort(sorted);
        double positives = 0, negatives = 0;
        foreach (var p in sorted)
        {
            positives += p;
            negatives += 1 - p;
        }
        if (positives <= 0 || negatives <= 0)
        {
            return double.NaN;
        }
        // Walk thresholds from the highest down: each group of equal probabilities moves into the predicted positives.
        double tp = 0, fp = 0, area = 0, previousTpr = 0, previousFpr = 0;
        var i = sorted.Length - 1;
        while (i >= 0)
        {
            var value = sorted[i];
            while (i >= 0 && sorted[i] == value)
            {
                tp += sorted[i];
                fp += 1 - sorted[i];
                i--;
            }
            var tpr = tp / positives;
            var fpr = fp / negatives;
            area += (fpr - previousFpr) * (tpr + previousTpr) / 2;
            previousTpr = tpr;
            previousFpr = fpr;
        }
        return area;
    }
}
