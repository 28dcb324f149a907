using ModelOps.Core.Data;
using ModelOps.Core.Monitoring;

namespace ModelOps.Core.Tests.Monitoring;

public sealed class DriftDetectorTests
{
    private static double[] Normal(ulong seed, int n, double loc = 0, double scale = 1) => ScipyVectors.Generate(seed, n, loc, scale);

    private static string?[] Levels(ulong seed, int n, params double[] weights)
    {
        var random = new Random((int)seed);
        var total = weights.Sum();
        var values = new string?[n];
        for (var i = 0; i < n; i++)
        {
            var r = random.NextDouble() * total;
            var k = 0;
            while (k < weights.Length - 1 && r >= weights[k])
            {
                r -= weights[k];
                k++;
            }
            values[i] = ((char)('a' + k)).ToString();
        }
        return values;
    }

    private static Table Window(params (string Name, object Column)[] columns) =>
        new(new TableSchema(columns.Select(c => new ColumnSchema(c.Name, c.Column is double[] ? ColumnKind.Numeric : ColumnKind.Categorical)).ToArray()),
            columns.Select(c => c.Column).ToArray());

    [Fact]
    public void A_shifted_numeric_feature_drifts_and_an_unchanged_one_does_not()
    {
        var baseline = new DriftBaseline([NumericBaseline.FromSample("same", Normal(1, 5000)), NumericBaseline.FromSample("shifted", Normal(2, 5000))]);
        var window = Window(("same", Normal(3, 20000)), ("shifted", Normal(4, 20000, loc: 0.5)));

        var report = new DriftDetector(new DriftOptions()).Detect(baseline, window);

        var same = report.Features.Single(f => f.Feature == "same");
        var shifted = report.Features.Single(f => f.Feature == "shifted");
        Assert.Equal(DriftMethod.NormalizedWasserstein, same.Method);
        Assert.False(same.Drifted);
        Assert.True(shifted.Drifted);
        Assert.InRange(shifted.Distance!.Value, 0.45, 0.55); // a shift of half a standard deviation
        Assert.Equal(PsiLevel.Stable, same.PsiLevel);
    }

    [Fact]
    public void Statistical_tests_judge_references_below_1000_rows_and_distances_from_1000_rows()
    {
        var detector = new DriftDetector(new DriftOptions());
        var window = Window(("x", Normal(5, 3000)), ("c", Levels(6, 3000, 3, 2, 1)));

        var small = detector.Detect(new DriftBaseline([NumericBaseline.FromSample("x", Normal(7, 999)), CategoricalBaseline.FromSample("c", Levels(8, 999, 3, 2, 1))]), window);
        var large = detector.Detect(new DriftBaseline([NumericBaseline.FromSample("x", Normal(7, 1000)), CategoricalBaseline.FromSample("c", Levels(8, 1000, 3, 2, 1))]), window);

        Assert.Equal([DriftMethod.KolmogorovSmirnov, DriftMethod.ChiSquared], small.Features.Select(f => f.Method));
        Assert.All(small.Features, f => Assert.NotNull(f.PValue));
        Assert.Equal([DriftMethod.NormalizedWasserstein, DriftMethod.JensenShannon], large.Features.Select(f => f.Method));
        Assert.All(large.Features, f => Assert.NotNull(f.Distance));
        Assert.All(small.Features.Concat(large.Features), f => Assert.False(f.Drifted));
    }

    [Fact]
    public void The_dataset_drifts_when_the_drifted_share_reaches_the_threshold()
    {
        var features = Enumerable.Range(0, 4).Select(i => (FeatureBaseline)NumericBaseline.FromSample($"f{i}", Normal((ulong)(10 + i), 2000))).ToList();
        var baseline = new DriftBaseline(features);
        // Two of four features move: a share of exactly 0.5.
        var window = Window(
            ("f0", Normal(20, 5000, loc: 1)), ("f1", Normal(21, 5000, loc: 1)), ("f2", Normal(22, 5000)), ("f3", Normal(23, 5000)));

        var atHalf = new DriftDetector(new DriftOptions()).Detect(baseline, window);
        var stricter = new DriftDetector(new DriftOptions { DriftShare = 0.75 }).Detect(baseline, window);

        Assert.Equal(2, atHalf.DriftedFeatures);
        Assert.Equal(4, atHalf.JudgedFeatures);
        Assert.Equal(0.5, atHalf.DriftedShare);
        Assert.True(atHalf.DatasetDrift);
        Assert.False(stricter.DatasetDrift);
    }

    [Fact]
    public void A_feature_absent_from_the_window_is_not_judged_and_does_not_count_towards_the_share()
    {
        var baseline = new DriftBaseline([NumericBaseline.FromSample("x", Normal(30, 500)), NumericBaseline.FromSample("gone", Normal(31, 500))]);

        var report = new DriftDetector(new DriftOptions()).Detect(baseline, Window(("x", Normal(32, 500))));

        var gone = report.Features.Single(f => f.Feature == "gone");
        Assert.Equal(DriftMethod.None, gone.Method);
        Assert.False(gone.Drifted);
        Assert.Equal(1, report.JudgedFeatures);
    }

    [Fact]
    public void P_values_are_adjusted_across_features_and_can_decide_drift()
    {
        var features = Enumerable.Range(0, 5).Select(i => (FeatureBaseline)NumericBaseline.FromSample($"f{i}", Normal((ulong)(40 + i), 300))).ToList();
        var window = Window(Enumerable.Range(0, 5).Select(i => ($"f{i}", (object)Normal((ulong)(50 + i), 300, loc: i == 0 ? 0.2 : 0))).ToArray());

        var raw = new DriftDetector(new DriftOptions()).Detect(new DriftBaseline(features), window);
        var adjusted = new DriftDetector(new DriftOptions { UseAdjustedPValues = true }).Detect(new DriftBaseline(features), window);

        var expected = BenjaminiHochberg.Adjust(raw.Features.Select(f => f.PValue!.Value).ToArray());
        Assert.Equal(expected, raw.Features.Select(f => f.AdjustedPValue!.Value));
        Assert.All(raw.Features, f => Assert.True(f.AdjustedPValue >= f.PValue));
        Assert.All(adjusted.Features, f => Assert.Equal(f.AdjustedPValue < 0.05, f.Drifted));
    }

    [Fact]
    public void Prediction_drift_is_judged_like_a_feature()
    {
        var baseline = new DriftBaseline([NumericBaseline.FromSample("x", Normal(60, 2000))], NumericBaseline.FromSample("score", Normal(61, 2000, 0.3, 0.1)));

        var report = new DriftDetector(new DriftOptions()).Detect(baseline, Window(("x", Normal(62, 4000)), ("score", Normal(63, 4000, 0.5, 0.1))));

        Assert.NotNull(report.Prediction);
        Assert.Equal("score", report.Prediction.Feature);
        Assert.True(report.Prediction.Drifted);
        Assert.False(report.DatasetDrift);
    }

    [Fact]
    public void A_level_never_seen_in_training_is_strong_but_finite_chi_squared_evidence()
    {
        var reference = CategoricalBaseline.FromCounts("c", [new("a", 400), new("b", 300)], 0);
        var window = CategoricalWindow.From(Enumerable.Repeat<string?>("a", 390).Concat(Enumerable.Repeat<string?>("b", 300)).Append("new").ToArray());

        var drift = new DriftDetector(new DriftOptions()).Categorical(reference, window);

        Assert.Equal(DriftMethod.ChiSquared, drift.Method);
        Assert.True(double.IsFinite(drift.Statistic));
        Assert.Contains("unseen", drift.Note);
    }

    [Fact]
    public void A_constant_reference_drifts_only_when_the_window_moves()
    {
        var detector = new DriftDetector(new DriftOptions());
        var baseline = NumericBaseline.FromSample("k", Enumerable.Repeat(3.0, 2000).ToArray());

        var still = detector.Numeric(baseline, NumericWindow.From(Enumerable.Repeat(3.0, 100).ToArray()));
        var moved = detector.Numeric(baseline, NumericWindow.From(Enumerable.Repeat(3.0, 99).Append(4.0).ToArray()));

        Assert.False(still.Drifted);
        Assert.Equal(0, still.Distance);
        Assert.True(moved.Drifted);
    }

    [Fact]
    public void Invalid_options_are_rejected_with_every_problem_in_one_message()
    {
        var error = Assert.Throws<ArgumentException>(() => new DriftDetector(new DriftOptions { PValueThreshold = 2, DriftShare = 0, PsiBins = 1 }));

        Assert.Contains("PValueThreshold", error.Message);
        Assert.Contains("DriftShare", error.Message);
        Assert.Contains("PsiBins", error.Message);
    }
}
