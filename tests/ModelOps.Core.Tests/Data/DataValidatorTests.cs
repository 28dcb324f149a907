using ModelOps.Core.Data;

namespace ModelOps.Core.Tests.Data;

public sealed class DataValidatorTests
{
    private static Table Build(int rows, Func<int, double> x, Func<int, string?> city, Func<int, double>? label = null)
    {
        var schema = new TableSchema([
            new ColumnSchema("x", ColumnKind.Numeric),
            new ColumnSchema("city", ColumnKind.Categorical),
            new ColumnSchema("label", ColumnKind.Boolean),
        ]);
        return new Table(schema, [
            Enumerable.Range(0, rows).Select(x).ToArray(),
            Enumerable.Range(0, rows).Select(city).ToArray(),
            Enumerable.Range(0, rows).Select(label ?? (i => i % 2)).ToArray(),
        ]);
    }

    private static Table Healthy(int rows = 200, int shift = 0) =>
        Build(rows, i => (i * 7 % 100) + shift, i => (i % 3) switch { 0 => "paris", 1 => "rome", _ => "oslo" });

    [Fact]
    public void Healthy_data_passes_without_anomalies()
    {
        var report = DataValidator.Validate(Healthy(), new ValidationContext(Label: "label"));

        Assert.True(report.Passed);
        Assert.Empty(report.Anomalies);
        Assert.Equal(3, report.Profile.Features.Count);
    }

    [Fact]
    public void Schema_skew_against_production_reports_missing_new_and_retyped_columns()
    {
        var production = new TableSchema([
            new ColumnSchema("x", ColumnKind.Categorical, Categories: ["a"]),
            new ColumnSchema("gone", ColumnKind.Numeric),
            new ColumnSchema("label", ColumnKind.Boolean),
        ]);

        var report = DataValidator.Validate(Healthy(), new ValidationContext(Label: "label", ProductionSchema: production));

        Assert.False(report.Passed);
        Assert.Contains(report.Errors, a => a is { Code: AnomalyCodes.MissingColumn, Column: "gone" });
        Assert.Contains(report.Errors, a => a is { Code: AnomalyCodes.TypeMismatch, Column: "x" });
        Assert.Contains(report.Anomalies, a => a is { Code: AnomalyCodes.NewColumn, Column: "city", Severity: AnomalySeverity.Warning });
    }

    [Fact]
    public void Values_outside_a_declared_domain_and_range_fail_with_examples()
    {
        var declared = new TableSchema([
            new ColumnSchema("x", ColumnKind.Numeric, Min: 0, Max: 50),
            new ColumnSchema("city", ColumnKind.Categorical, Categories: ["paris", "rome"]),
            new ColumnSchema("label", ColumnKind.Boolean),
        ]);

        var report = DataValidator.Validate(Healthy(), new ValidationContext(Label: "label", DeclaredSchema: declared));

        var domain = Assert.Single(report.Anomalies, a => a.Code == AnomalyCodes.OutOfDomain);
        Assert.Equal(AnomalySeverity.Error, domain.Severity);
        Assert.Equal(66, domain.Count);
        Assert.Equal(["oslo"], domain.Examples);
        Assert.Contains(report.Errors, a => a is { Code: AnomalyCodes.OutOfRange, Column: "x" });
    }

    [Fact]
    public void Drift_uses_jensen_shannon_for_numbers_and_l_infinity_for_categories()
    {
        var baseline = Profiler.Profile(Healthy());
        var moved = Build(200, i => (i * 7 % 100) + 60, i => i % 5 == 0 ? "rome" : "paris");

        var report = DataValidator.Validate(moved, new ValidationContext(Label: "label", Baseline: baseline));

        Assert.True(report.Passed); // drift warns by default
        var x = Assert.Single(report.Drift, d => d.Column == "x");
        Assert.Equal(Profiler.JensenShannon, x.Measure);
        Assert.True(x.Value > 0.3);
        var city = Assert.Single(report.Drift, d => d.Column == "city");
        Assert.Equal(Profiler.LInfinity, city.Measure);
        Assert.Equal(0.8 - 67 / 200.0, city.Value, 9); // paris: 67 of 200 before, 160 of 200 now
        Assert.Equal(2, report.Anomalies.Count(a => a.Code == AnomalyCodes.Drift));
        Assert.Equal(baseline.Find("x")!.Histogram!.Edges, report.Profile.Find("x")!.Histogram!.Edges);
    }

    [Fact]
    public void Unchanged_data_shows_no_drift()
    {
        var baseline = Profiler.Profile(Healthy());

        var report = DataValidator.Validate(Healthy(), new ValidationContext(Label: "label", Baseline: baseline));

        Assert.All(report.Drift, d => Assert.Equal(0, d.Value, 9));
        Assert.DoesNotContain(report.Anomalies, a => a.Code == AnomalyCodes.Drift);
    }

    [Fact]
    public void Severity_can_be_raised_by_configuration()
    {
        var options = new DataValidationOptions { Severities = new Dictionary<string, AnomalySeverity> { [AnomalyCodes.Drift] = AnomalySeverity.Error } };
        var baseline = Profiler.Profile(Healthy());

        var report = DataValidator.Validate(Healthy(shift: 80), new ValidationContext(Label: "label", Baseline: baseline), options);

        Assert.False(report.Passed);
        Assert.Contains(report.Errors, a => a.Code == AnomalyCodes.Drift);
    }

    [Fact]
    public void Row_count_change_against_the_last_run_warns()
    {
        var report = DataValidator.Validate(Healthy(100), new ValidationContext(Label: "label", PreviousRowCount: 1000));

        var change = Assert.Single(report.Anomalies);
        Assert.Equal(AnomalyCodes.RowCountChange, change.Code);
        Assert.Equal(AnomalySeverity.Warning, change.Severity);
    }

    [Fact]
    public void Label_problems_fail_or_warn()
    {
        var someMissing = Build(100, i => i, _ => "a", i => i % 10 == 0 ? double.NaN : 1);
        var allMissing = Build(100, i => i, _ => "a", _ => double.NaN);

        Assert.Contains(DataValidator.Validate(someMissing, new ValidationContext(Label: "label")).Anomalies,
            a => a is { Code: AnomalyCodes.MissingLabels, Count: 10, Severity: AnomalySeverity.Warning });
        Assert.Contains(DataValidator.Validate(allMissing, new ValidationContext(Label: "label")).Errors, a => a.Code == AnomalyCodes.AllLabelsMissing);
        Assert.Contains(DataValidator.Validate(someMissing, new ValidationContext(Label: "target")).Errors, a => a.Code == AnomalyCodes.LabelMissing);
    }

    [Fact]
    public void Constant_empty_and_mostly_missing_columns_warn()
    {
        var table = Build(100, i => i < 70 ? double.NaN : i, _ => "same");

        var codes = DataValidator.Validate(table, new ValidationContext(Label: "label")).Anomalies.Select(a => (a.Code, a.Column)).ToArray();

        Assert.Contains((AnomalyCodes.HighMissingShare, "x"), codes);
        Assert.Contains((AnomalyCodes.ConstantColumn, "city"), codes);
    }

    [Fact]
    public void Invalid_options_name_every_problem()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            DataValidator.Validate(Healthy(), options: new DataValidationOptions { MinRows = -1, NumericDriftThreshold = 2 }));

        Assert.Contains("MinRows", error.Message);
        Assert.Contains("NumericDriftThreshold", error.Message);
    }

    [Fact]
    public void The_report_round_trips_through_json()
    {
        var baseline = Profiler.Profile(Healthy());
        var report = DataValidator.Validate(Healthy(50, 30), new ValidationContext(Label: "label", Baseline: baseline));

        var json = System.Text.Json.JsonSerializer.Serialize(report, Storage.Json.Options);
        var back = System.Text.Json.JsonSerializer.Deserialize<ValidationReport>(json, Storage.Json.Options)!;

        Assert.Equal(report.Anomalies.Select(a => a.Code), back.Anomalies.Select(a => a.Code));
        Assert.Equal(report.Profile.Features[0].Histogram!.Counts, back.Profile.Features[0].Histogram!.Counts);
        Assert.Contains("\"severity\":\"warning\"", json);
    }
}
