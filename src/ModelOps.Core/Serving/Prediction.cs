using System.Text.Json.Serialization;

namespace ModelOps.Core.Serving;

/// <summary>One row's prediction; serialises (with <c>Storage.Json.Options</c>) to the task's shape in DESIGN §7.</summary>
[JsonDerivedType(typeof(RegressionPrediction))]
[JsonDerivedType(typeof(BinaryPrediction))]
[JsonDerivedType(typeof(MulticlassPrediction))]
public abstract record Prediction;

/// <summary><c>{"value": 1.5}</c></summary>
public sealed record RegressionPrediction(double Value) : Prediction;

/// <summary><c>{"label": true, "probability": 0.93}</c>: label is whether the row is the positive class; probability is of the positive class.</summary>
public sealed record BinaryPrediction(bool Label, double Probability) : Prediction
{
    /// <summary>The shape every scorer answers in: a missing probability follows the label; others are kept in [0, 1].</summary>
    internal static BinaryPrediction From(bool isPositive, float probability) =>
        new(isPositive, float.IsNaN(probability) ? (isPositive ? 1 : 0) : Math.Clamp(probability, 0, 1));
}

/// <summary><c>{"label": "b", "probabilities": {"a": 0.1, "b": 0.9}}</c>: probabilities over every class, summing to 1.</summary>
public sealed record MulticlassPrediction(string Label, IReadOnlyDictionary<string, double> Probabilities) : Prediction
{
    /// <summary>
    /// From per-class scores in the order of <paramref name="classes"/>: negative or missing scores count as 0 and the rest
    /// are normalised, since one-versus-all scores need not sum to 1; the label is the most likely class.
    /// </summary>
    internal static MulticlassPrediction FromScores(ReadOnlySpan<float> scores, IReadOnlyList<string> classes)
    {
        var sum = 0f;
        foreach (var s in scores)
        {
            sum += float.IsNaN(s) ? 0 : Math.Max(s, 0);
        }
        var probabilities = new Dictionary<string, double>(classes.Count, StringComparer.Ordinal);
        var best = 0;
        for (var i = 0; i < classes.Count; i++)
        {
            var clipped = i < scores.Length && !float.IsNaN(scores[i]) ? Math.Max(scores[i], 0) : 0;
            var p = i < scores.Length ? (sum > 0 ? clipped / sum : 1.0 / classes.Count) : 0;
            probabilities[classes[i]] = p;
            if (p > probabilities[classes[best]])
            {
                best = i;
            }
        }
        return new MulticlassPrediction(classes[best], probabilities);
    }
}
