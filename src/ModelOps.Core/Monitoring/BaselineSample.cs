using ModelOps.Core.Data;
using ModelOps.Core.Serving;
using ModelOps.Core.Training;

namespace ModelOps.Core.Monitoring;

/// <summary>A numeric feature's training values: a seeded sample (sorted) and how many were missing.</summary>
public sealed record NumericSample(string Name, double[] Values, long Missing);

/// <summary>A categorical feature's training level counts and how many were missing.</summary>
public sealed record CategoryCounts(string Name, IReadOnlyDictionary<string, long> Counts, long Missing);

/// <summary>
/// What the monitor compares traffic with, stored with each registered version (<c>baseline.json</c>): the training
/// rows' features and the model's own predictions on its held-out rows. When production moves, the monitor reads the new
/// version's baseline; nothing has to be done by hand.
/// </summary>
public sealed record BaselineSample(
    int Version,
    int Rows,
    IReadOnlyList<NumericSample> Numeric,
    IReadOnlyList<CategoryCounts> Categorical,
    NumericSample? PredictionScore,
    CategoryCounts? PredictionLabel)
{
    public const string File = "baseline.json";

    /// <summary>Most values kept per numeric feature: enough for KS and Wasserstein, small enough to load every tick.</summary>
    public const int MaxSample = 5_000;

    /// <summary>The name the monitor gives the prediction column.</summary>
    public const string PredictionColumn = "__prediction__";

    /// <summary>Builds the baseline from the training rows and the predictions on the held-out rows.</summary>
    public static BaselineSample From(int version, Table training, TrainingProblem problem, IReadOnlyList<Prediction> heldOutPredictions, int seed)
    {
        var numeric = new List<NumericSample>();
        var categorical = new List<CategoryCounts>();
        foreach (var feature in problem.Features)
        {
            var index = training.Schema.IndexOf(feature);
            if (training.Column(index) is string?[] levels)
            {
                categorical.Add(Counts(feature, levels));
            }
            else
            {
                numeric.Add(Sample(feature, training.Numeric(index), seed));
            }
        }
        var (score, label) = Predictions(heldOutPredictions, seed);
        return new BaselineSample(version, training.RowCount, numeric, categorical, score, label);
    }

    /// <summary>The monitoring library's view of this baseline.</summary>
    public DriftBaseline ToDriftBaseline()
    {
        var features = new List<FeatureBaseline>();
        features.AddRange(Numeric.Select(n => NumericBaseline.FromProfile(n.Name, n.Values, n.Missing)));
        features.AddRange(Categorical.Select(c => CategoricalBaseline.FromCounts(c.Name, c.Counts, c.Missing)));
        FeatureBaseline? prediction = PredictionScore is { } s
            ? NumericBaseline.FromProfile(PredictionColumn, s.Values, s.Missing)
            : PredictionLabel is { } l ? CategoricalBaseline.FromCounts(PredictionColumn, l.Counts, l.Missing) : null;
        return new DriftBaseline(features, prediction);
    }

    /// <summary>The prediction as the monitor tracks it: the probability (binary), the value (regression) or the label (multiclass).</summary>
    public static (double? Score, string? Label) Track(Prediction prediction) => prediction switch
    {
        BinaryPrediction b => (b.Probability, null),
        RegressionPrediction r => (r.Value, null),
        MulticlassPrediction m => (null, m.Label),
        _ => (null, null),
    };

    private static (NumericSample?, CategoryCounts?) Predictions(IReadOnlyList<Prediction> predictions, int seed)
    {
        var tracked = predictions.Select(Track).ToList();
        return tracked.All(t => t.Score is not null)
            ? (Sample(PredictionColumn, tracked.Select(t => t.Score!.Value).ToArray(), seed), null)
            : (null, Counts(PredictionColumn, tracked.Select(t => t.Label).ToArray()));
    }

    private static NumericSample Sample(string name, double[] values, int seed)
    {
        var present = values.Where(double.IsFinite).ToArray();
        if (present.Length > MaxSample)
        {
            new Random(seed).Shuffle(present);
            present = present[..MaxSample];
        }
        Array.Sort(present);
        return new NumericSample(name, present, values.Length - present.Length);
    }

    private static CategoryCounts Counts(string name, string?[] values) =>
        new(name,
            values.Where(v => v is not null).GroupBy(v => v!, StringComparer.Ordinal).ToDictionary(g => g.Key, g => (long)g.Count(), StringComparer.Ordinal),
            values.Count(v => v is null));
}
