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
public sealed record BinaryPrediction(bool Label, double Probability) : Prediction;

/// <summary><c>{"label": "b", "probabilities": {"a": 0.1, "b": 0.9}}</c>: probabilities over every class, summing to 1.</summary>
public sealed record MulticlassPrediction(string Label, IReadOnlyDictionary<string, double> Probabilities) : Prediction;
