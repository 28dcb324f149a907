using ModelOps.Core.Data;

namespace ModelOps.Core.Tests.Data;

public sealed class ProfilerTests
{
    [Fact]
    public void Numeric_statistics_match_their_definitions()
    {
        var values = new[] { 1.0, 2, 3, 4, double.NaN, double.PositiveInfinity, 10 };
        var table = new Table(new TableSchema([new ColumnSchema("x", ColumnKind.Numeric)]), [values]);

        var x = Profiler.Profile(table, new ProfileOptions { Bins = 3 }).Features[0];

        Assert.Equal(5, x.Count);
        Assert.Equal(1, x.Missing);
        Assert.Equal(1, x.NonFinite);
        Assert.Equal(4, x.Mean!.Value, 10);
        Assert.Equal(Math.Sqrt((9 + 4 + 1 + 0 + 36) / 4.0), x.Std!.Value, 10);
        Assert.Equal((1, 10), (x.Min!.Value, x.Max!.Value));
        Assert.Equal(3, x.Quantiles![3]); // the median
        Assert.Equal([1, 4, 7, 10], x.Histogram!.Edges);
        Assert.Equal([3L, 1, 1], x.Histogram.Counts);
    }

    [Fact]
    public void New_data_is_binned_on_the_baseline_edges_with_outliers_in_the_end_bins()
    {
        var schema = new TableSchema([new ColumnSchema("x", ColumnKind.Numeric)]);
        var baseline = Profiler.Profile(new Table(schema, [new[] { 0.0, 10 }]), new ProfileOptions { Bins = 2 });

        var now = Profiler.Profile(new Table(schema, [new[] { -100.0, 1, 6, 1000 }]), baseline: baseline);

        Assert.Equal([0, 5, 10], now.Features[0].Histogram!.Edges);
        Assert.Equal([2L, 2], now.Features[0].Histogram!.Counts);
    }

    [Fact]
    public void Categorical_profiles_keep_the_top_levels_and_the_rest_as_other()
    {
        var values = new string?[] { "a", "b", "a", "c", null, "a", "b", "d" };
        var table = new Table(new TableSchema([new ColumnSchema("c", ColumnKind.Categorical)]), [values]);

        var c = Profiler.Profile(table, new ProfileOptions { TopK = 2 }).Features[0];

        Assert.Equal(7, c.Count);
        Assert.Equal(1, c.Missing);
        Assert.Equal([new CategoryCount("a", 3), new CategoryCount("b", 2)], c.TopCategories);
        Assert.Equal(2, c.OtherCount);
        Assert.Equal(4, c.Distinct);
    }

    [Fact]
    public void Jensen_shannon_is_zero_for_equal_and_one_for_disjoint_histograms()
    {
        Assert.Equal(0, Profiler.JensenShannonDivergence([1, 2, 3], [2, 4, 6]), 12);
        Assert.Equal(1, Profiler.JensenShannonDivergence([5, 0], [0, 7]), 12);
    }
}
