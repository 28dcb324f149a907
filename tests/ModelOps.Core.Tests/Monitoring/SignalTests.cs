using ModelOps.Core.Data;
using ModelOps.Core.Monitoring;

namespace ModelOps.Core.Tests.Monitoring;

public sealed class SignalTests
{
    [Fact]
    public void Psi_levels_are_stable_below_0_1_warning_from_0_1_and_alarm_from_0_25()
    {
        var options = new DriftOptions();
        double[] reference = [0.5, 0.5];

        // PSI of (0.5, 0.5) against (c, 1-c) crosses 0.1 near c = 0.656 and 0.25 near c = 0.74.
        Assert.Equal(PsiLevel.Stable, PopulationStability.Level(PopulationStability.Index(reference, [0.6, 0.4]), options));
        Assert.Equal(PsiLevel.Warning, PopulationStability.Level(PopulationStability.Index(reference, [0.7, 0.3]), options));
        Assert.Equal(PsiLevel.Alarm, PopulationStability.Level(PopulationStability.Index(reference, [0.8, 0.2]), options));
    }

    [Fact]
    public void Psi_replaces_an_empty_bin_by_the_epsilon()
    {
        var psi = PopulationStability.Index([0.5, 0.5, 0.0], [0.4, 0.4, 0.2]);

        var expected = (0.5 - 0.4) * Math.Log(0.5 / 0.4) * 2 + (1e-4 - 0.2) * Math.Log(1e-4 / 0.2);
        Assert.Equal(expected, psi, 12);
    }

    [Fact]
    public void Numeric_psi_counts_traffic_beyond_the_reference_range_in_the_outer_bins()
    {
        var baseline = NumericBaseline.FromSample("x", Enumerable.Range(0, 1000).Select(i => i / 1000.0).ToArray());

        var proportions = PopulationStability.BinProportionsSorted([-5.0, 0.05, 0.95, 7.0], baseline.BinEdges);

        Assert.Equal(10, proportions.Length);
        Assert.Equal(0.5, proportions[0]);
        Assert.Equal(0.5, proportions[^1]);
        Assert.All(baseline.BinProportions, p => Assert.Equal(0.1, p, 9));
    }

    [Fact]
    public void Latency_above_the_p95_objective_raises_the_alarm()
    {
        var fast = Enumerable.Range(0, 1000).Select(i => 10.0 + i % 20).ToArray();
        var slowTail = fast.Select((v, i) => i % 10 == 0 ? 200.0 : v).ToArray();

        var ok = LatencyCheck.Evaluate(fast, sloP95Ms: 50);
        var alarm = LatencyCheck.Evaluate(slowTail, sloP95Ms: 50);

        Assert.False(ok.Alarm);
        Assert.True(ok.P95 <= 50);
        Assert.True(alarm.Alarm);
        Assert.Equal(200, alarm.P99);
        Assert.False(LatencyCheck.Evaluate([], sloP95Ms: 50).Alarm);
    }

    [Fact]
    public void Data_quality_reports_null_out_of_domain_and_type_error_rates()
    {
        var baseline = new DriftBaseline([
            NumericBaseline.FromSample("x", [0.0, 1.0, 2.0, double.NaN]),
            CategoricalBaseline.FromSample("c", ["a", "b", "a", "b"]),
            NumericBaseline.FromSample("absent", [1.0]),
        ]);
        var window = new Table(
            new TableSchema([new ColumnSchema("x", ColumnKind.Numeric), new ColumnSchema("c", ColumnKind.Categorical)]),
            [new[] { 0.5, 3.0, double.NaN, double.NaN, double.PositiveInfinity, 1.0, 1.5, 2.0, -1.0, 0.0 },
             new string?[] { "a", "b", "z", null, "a", "a", "b", "b", "a", "b" }]);

        var report = DataQualityCheck.Evaluate(baseline, window, new Dictionary<string, long> { ["c"] = 1 });

        var x = report.Features.Single(f => f.Feature == "x");
        Assert.Equal(0.2, x.NullRate);
        Assert.Equal(0.25, x.BaselineNullRate);
        Assert.Equal(3 / 8.0, x.OutOfDomainRate); // 3.0, +∞ and -1.0 of the eight present values
        var c = report.Features.Single(f => f.Feature == "c");
        Assert.Equal(1 / 9.0, c.OutOfDomainRate, 12);
        Assert.Equal(0.1, c.TypeErrorRate);
        Assert.Equal(["absent"], report.MissingColumns);
        Assert.True(report.Alarm);
    }

    [Fact]
    public void Task_metrics_on_labelled_rows_are_correct_on_a_small_example()
    {
        double[] p = [0.9, 0.8, 0.3, 0.6, 0.2];
        bool[] y = [true, true, false, false, true];

        Assert.Equal(0.6, TaskMetrics.Binary("accuracy", p, y).Value, 12);
        // Positives score 0.9, 0.8, 0.2; negatives 0.3, 0.6: 4 of the 6 pairs are ordered correctly.
        Assert.Equal(4 / 6.0, TaskMetrics.Binary("auc", p, y).Value, 12);
        Assert.Equal(Math.Sqrt(2.0 / 3), TaskMetrics.Regression("rmse", [1, 2, 3], [2, 2, 2]).Value, 12);
        // Class a: 1 of 1 right; class b: 2 of 3 right.
        Assert.Equal(5 / 6.0, TaskMetrics.Multiclass("macroAccuracy", ["a", "a", "b", "b"], ["a", "b", "b", "b"]).Value, 12);
    }

    [Fact]
    public void Confidence_based_estimates_are_close_to_the_truth_on_calibrated_data()
    {
        var random = new Random(17);
        const int N = 200_000;
        var probabilities = new double[N];
        var labels = new bool[N];
        for (var i = 0; i < N; i++)
        {
            // A calibrated model: the label is drawn with exactly the predicted probability.
            var logit = 2.5 * (random.NextDouble() * 2 - 1) + 0.3;
            probabilities[i] = 1 / (1 + Math.Exp(-logit));
            labels[i] = random.NextDouble() < probabilities[i];
        }

        var estimate = ConfidenceBasedPerformance.Binary(probabilities);

        Assert.Equal(TaskMetrics.Accuracy(probabilities, labels), estimate.ExpectedAccuracy, 0.005);
        Assert.Equal(TaskMetrics.RocAuc(probabilities, labels), estimate.ExpectedRocAuc, 0.005);
    }

    [Fact]
    public void Multiclass_expected_accuracy_is_the_mean_top_probability()
    {
        var estimate = ConfidenceBasedPerformance.Multiclass([0.7, 0.2, 0.1, 0.3, 0.3, 0.4], classes: 3);

        Assert.Equal(2, estimate.Rows);
        Assert.Equal(0.55, estimate.ExpectedAccuracy, 12);
    }
}
