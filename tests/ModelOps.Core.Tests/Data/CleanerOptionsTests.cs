using ModelOps.Core.Data;

namespace ModelOps.Core.Tests.Data;

public sealed class CleanerOptionsTests
{
    private static Table Sample()
    {
        var x = Enumerable.Range(0, 100).Select(i => (double)i).ToArray();
        x[0] = -1000;
        x[99] = 5000;
        x[50] = double.NaN;
        var city = Enumerable.Range(0, 100).Select(i => i % 10 == 0 ? null : i % 2 == 0 ? "paris" : "rome").ToArray();
        var label = Enumerable.Range(0, 100).Select(i => (double)(i % 2)).ToArray();
        return new Table(new TableSchema([
            new ColumnSchema("x", ColumnKind.Numeric),
            new ColumnSchema("city", ColumnKind.Categorical),
            new ColumnSchema("label", ColumnKind.Boolean),
        ]), [x, city, label]);
    }

    [Fact]
    public void Iqr_clipping_pulls_outliers_to_the_fences_and_is_recorded()
    {
        var result = Cleaner.Clean(Sample(), "label", new CleaningOptions { Outliers = OutlierMethod.Iqr });

        var clip = Assert.Single(result.Report.Clips!);
        Assert.Equal(("x", Cleaner.IqrClip, 2), (clip.Column, clip.Method, clip.Clipped));
        var x = result.Table.Numeric("x");
        Assert.Equal(clip.Lower, x[0]);
        Assert.Equal(clip.Upper, x[99]);
        Assert.InRange(clip.Upper, 98, 200);
    }

    [Fact]
    public void Quantile_clipping_uses_the_configured_quantiles()
    {
        var result = Cleaner.Clean(Sample(), "label", new CleaningOptions { Outliers = OutlierMethod.Quantile, LowerQuantile = 0.05, UpperQuantile = 0.95 });

        var clip = Assert.Single(result.Report.Clips!);
        Assert.Equal(Cleaner.QuantileClip, clip.Method);
        Assert.True(result.Table.Numeric("x").All(v => v >= clip.Lower && v <= clip.Upper));
    }

    [Fact]
    public void Missing_categories_can_become_an_explicit_level()
    {
        var result = Cleaner.Clean(Sample(), "label", new CleaningOptions { Categorical = CategoricalImputation.MissingLevel, MissingLevel = "(none)" });

        var city = Assert.Single(result.Report.Imputations, i => i.Column == "city");
        Assert.Equal((Cleaner.MissingLevelStrategy, "(none)", 10), (city.Strategy, city.Category, city.Imputed));
        Assert.Equal(10, result.Table.Categorical("city").Count(v => v == "(none)"));
    }

    [Fact]
    public void The_recorded_plan_replays_on_new_data_without_changing_it()
    {
        var plan = Cleaner.Clean(Sample(), "label", new CleaningOptions { Outliers = OutlierMethod.Iqr }).Report;
        var fresh = Sample();
        var before = (double[])fresh.Numeric("x").Clone();

        var applied = Cleaner.Apply(fresh, plan);

        Assert.Equal(before, fresh.Numeric("x"));
        Assert.Equal(plan.Clips![0].Lower, applied.Numeric("x")[0]);
        Assert.Equal(plan.Imputations.Single(i => i.Column == "x").Number, applied.Numeric("x")[50]);
        Assert.All(applied.Categorical("city"), v => Assert.NotNull(v));
    }

    [Fact]
    public void Duplicates_can_be_kept()
    {
        var table = new Table(new TableSchema([new ColumnSchema("x", ColumnKind.Numeric), new ColumnSchema("label", ColumnKind.Numeric)]),
            [new[] { 1.0, 1, 2 }, new[] { 0.0, 0, 1 }]);

        Assert.Equal(2, Cleaner.Clean(table, "label").Table.RowCount);
        Assert.Equal(3, Cleaner.Clean(table, "label", new CleaningOptions { DropDuplicates = false }).Table.RowCount);
    }

    [Theory]
    [InlineData(new[] { 5.0 }, 5)]
    [InlineData(new[] { 3.0, 1 }, 2)]
    [InlineData(new[] { 9.0, 1, 5, double.NaN, 7, 3 }, 5)]
    [InlineData(new[] { 4.0, 4, 1, 4, 9, 4 }, 4)]
    public void The_median_by_selection_is_exact(double[] values, double expected)
    {
        Assert.Equal(expected, Cleaner.Median(values));
    }

    [Fact]
    public async Task Quarantine_files_escape_formula_cells()
    {
        using var stream = new MemoryStream();

        await CsvTableWriter.WriteRejectedAsync(["a"], [new RejectedRow(2, "label is missing", ["=1+2"]), new RejectedRow(3, "x", ["-5"])], stream);

        var text = System.Text.Encoding.UTF8.GetString(stream.ToArray());
        Assert.Contains("'=1+2", text);
        Assert.Contains(",-5", text);
    }
}
