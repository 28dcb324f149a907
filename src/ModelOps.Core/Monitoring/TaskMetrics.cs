using ModelOps.Core.Evaluation;

namespace ModelOps.Core.Monitoring;

/// <summary>A task metric measured on the traffic rows that have feedback labels.</summary>
public sealed record PerformanceReport(string Metric, double Value, int LabelledRows);

/// <summary>The task metrics the monitor measures on labelled traffic, named as in <see cref="MetricCatalog"/>.</summary>
internal static class TaskMetrics
{
    /// <summary>Binary metric (<c>auc</c>, <c>accuracy</c>, <c>logLoss</c>) from positive-class probabilities; a row is predicted positive at p ≥ 0.5.</summary>
    public static PerformanceReport Binary(string metric, ReadOnlySpan<double> probabilities, ReadOnlySpan<bool> labels)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(labels.Length, probabilities.Length);
        var value = metric.ToLowerInvariant() switch
        {
            "auc" => RocAuc(probabilities, labels),
            "accuracy" => Accuracy(probabilities, labels),
            "logloss" => LogLoss(probabilities, labels),
            _ => throw new ArgumentException($"The monitor measures auc, accuracy or logLoss for binary models, not '{metric}'.", nameof(metric)),
        };
        return new PerformanceReport(metric, value, labels.Length);
    }

    /// <summary>Regression metric (<c>rmse</c>, <c>mae</c>, <c>r2</c>).</summary>
    public static PerformanceReport Regression(string metric, ReadOnlySpan<double> predicted, ReadOnlySpan<double> actual)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(actual.Length, predicted.Length);
        var value = metric.ToLowerInvariant() switch
        {
            "rmse" => Rmse(predicted, actual),
            "mae" => Mae(predicted, actual),
            "r2" => R2(predicted, actual),
            _ => throw new ArgumentException($"The monitor measures rmse, mae or r2 for regression models, not '{metric}'.", nameof(metric)),
        };
        return new PerformanceReport(metric, value, actual.Length);
    }

    /// <summary>Multiclass metric (<c>microAccuracy</c>: share correct; <c>macroAccuracy</c>: mean per-class recall).</summary>
    public static PerformanceReport Multiclass(string metric, ReadOnlySpan<string> predicted, ReadOnlySpan<string> actual)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(actual.Length, predicted.Length);
        double value;
        if (string.Equals(metric, MetricCatalog.MicroAccuracy, StringComparison.OrdinalIgnoreCase))
        {
            var correct = 0;
            for (var i = 0; i < actual.Length; i++)
            {
                correct += predicted[i] == actual[i] ? 1 : 0;
            }
            value = actual.Length == 0 ? double.NaN : (double)correct / actual.Length;
        }
        else if (string.Equals(metric, MetricCatalog.MacroAccuracy, StringComparison.OrdinalIgnoreCase))
        {
            var perClass = new Dictionary<string, (int Correct, int Total)>(StringComparer.Ordinal);
            for (var i = 0; i < actual.Length; i++)
            {
                var (c, t) = perClass.GetValueOrDefault(actual[i]);
                perClass[actual[i]] = (c + (predicted[i] == actual[i] ? 1 : 0), t + 1);
            }
            var sum = 0.0;
            foreach (var (c, t) in perClass.Values)
            {
                sum += (double)c / t;
            }
            value = perClass.Count == 0 ? double.NaN : sum / perClass.Count;
        }
        else
        {
            throw new ArgumentException($"The monitor measures microAccuracy or macroAccuracy for multiclass models, not '{metric}'.", nameof(metric));
        }
        return new PerformanceReport(metric, value, actual.Length);
    }

    public static double Accuracy(ReadOnlySpan<double> probabilities, ReadOnlySpan<bool> labels)
    {
        var correct = 0;
        for (var i = 0; i < labels.Length; i++)
        {
            correct += (probabilities[i] >= 0.5) == labels[i] ? 1 : 0;
        }
        return labels.Length == 0 ? double.NaN : (double)correct / labels.Length;
    }

    /// <summary>ROC AUC by the rank-sum (Mann-Whitney) formula, ties counting one half; NaN without both classes.</summary>
    public static double RocAuc(ReadOnlySpan<double> scores, ReadOnlySpan<bool> labels)
    {
        var order = new int[scores.Length];
        var keys = scores.ToArray();
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }
        Array.Sort(keys, order);
        long positives = 0;
        var rankSum = 0.0;
        var start = 0;
        while (start < keys.Length)
        {
            var end = start;
            while (end + 1 < keys.Length && keys[end + 1] == keys[start])
            {
                end++;
            }
            var averageRank = (start + end) / 2.0 + 1;
            for (var k = start; k <= end; k++)
            {
                if (labels[order[k]])
                {
                    positives++;
                    rankSum += averageRank;
                }
            }
            start = end + 1;
        }
        var negatives = scores.Length - positives;
        return positives == 0 || negatives == 0 ? double.NaN : (rankSum - positives * (positives + 1) / 2.0) / ((double)positives * negatives);
    }

    public static double LogLoss(ReadOnlySpan<double> probabilities, ReadOnlySpan<bool> labels)
    {
        const double Clip = 1e-15;
        var sum = 0.0;
        for (var i = 0; i < labels.Length; i++)
        {
            var p = Math.Clamp(probabilities[i], Clip, 1 - Clip);
            sum -= labels[i] ? Math.Log(p) : Math.Log(1 - p);
        }
        return labels.Length == 0 ? double.NaN : sum / labels.Length;
    }

    public static double Rmse(ReadOnlySpan<double> predicted, ReadOnlySpan<double> actual)
    {
        var sum = 0.0;
        for (var i = 0; i < actual.Length; i++)
        {
            var d = predicted[i] - actual[i];
            sum += d * d;
        }
        return actual.Length == 0 ? double.NaN : Math.Sqrt(sum / actual.Length);
    }

    public static double Mae(ReadOnlySpan<double> predicted, ReadOnlySpan<double> actual)
    {
        var sum = 0.0;
        for (var i = 0; i < actual.Length; i++)
        {
            sum += Math.Abs(predicted[i] - actual[i]);
        }
        return actual.Length == 0 ? double.NaN : sum / actual.Length;
    }

    public static double R2(ReadOnlySpan<double> predicted, ReadOnlySpan<double> actual)
    {
        if (actual.Length == 0)
        {
            return double.NaN;
        }
        var mean = 0.0;
        foreach (var a in actual)
        {
            mean += a;
        }
        mean /= actual.Length;
        double residual = 0, total = 0;
        for (var i = 0; i < actual.Length; i++)
        {
            residual += (actual[i] - predicted[i]) * (actual[i] - predicted[i]);
            total += (actual[i] - mean) * (actual[i] - mean);
        }
        return total == 0 ? double.NaN : 1 - residual / total;
    }
}
