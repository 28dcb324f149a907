using System.Text.Json;
using ModelOps.Core.Data;
using ModelOps.Core.Storage;

namespace ModelOps.Core.Tests.Data;

public sealed class CleanerTests
{
    private const string Customers =
        "tenure,plan,paperless,churned\n" +
        "1,basic,yes,yes\n" +     // row 2
        "5,basic,no,no\n" +       // row 3
        ",premium,yes,no\n" +     // row 4: tenure missing
        "9,,no,yes\n" +           // row 5: plan missing
        "1,basic,yes,yes\n" +     // row 6: duplicate of row 2
        "7,premium,,\n" +         // row 7: label missing
        "20,basic,yes,no\n";      // row 8

    [Fact]
    public async Task Drops_missing_labels_and_exact_duplicates_and_reports_them_as_rejected()
    {
        var read = await CsvFiles.Read(Customers);

        var result = Cleaner.Clean(read.Table, "churned", read.RowNumbers);

        Assert.Equal(5, result.Table.RowCount);
        Assert.Equal(7, result.Report.RowsIn);
        Assert.Equal(5, result.Report.RowsOut);
        Assert.Equal(1, result.Report.MissingLabelRowsDropped);
        Assert.Equal(1, result.Report.DuplicateRowsDropped);
        Assert.Collection(result.Rejected,
            r => { Assert.Equal(6, r.RowNumber); Assert.Equal("exact duplicate of row 2", r.Reason); Assert.Equal<IEnumerable<string?>>(["1", "basic", "true", "true"], r.Values); },
            r => { Assert.Equal(7, r.RowNumber); Assert.Equal("label is missing", r.Reason); Assert.Equal<IEnumerable<string?>>(["7", "premium", null, null], r.Values); });
    }

    [Fact]
    public async Task Imputes_the_median_and_the_most_frequent_value_and_records_them()
    {
        var read = await CsvFiles.Read(Customers);

        var result = Cleaner.Clean(read.Table, "churned", read.RowNumbers);

        // Kept rows: tenure 1, 5, NaN, 9, 20 -> median of 1, 5, 9, 20 is 7.
        Assert.Equal([1, 5, 7, 9, 20], result.Table.Numeric("tenure"));
        Assert.Equal<string?[]>(["basic", "basic", "premium", "basic", "basic"], result.Table.Categorical("plan"));
        var tenure = result.Report.Imputations.Single(i => i.Column == "tenure");
        Assert.Equal(new ColumnImputation("tenure", ColumnKind.Numeric, "median", 1, 7, null), tenure);
        var plan = result.Report.Imputations.Single(i => i.Column == "plan");
        Assert.Equal(new ColumnImputation("plan", ColumnKind.Categorical, "most_frequent", 1, null, "basic"), plan);
        var paperless = result.Report.Imputations.Single(i => i.Column == "paperless");
        Assert.Equal(new ColumnImputation("paperless", ColumnKind.Boolean, "most_frequent", 0, 1, null), paperless);
        Assert.DoesNotContain(result.Report.Imputations, i => i.Column == "churned");
    }

    [Fact]
    public async Task The_cleaned_table_has_no_missing_values_and_a_fresh_schema()
    {
        var read = await CsvFiles.Read(Customers);

        var result = Cleaner.Clean(read.Table, "churned", read.RowNumbers);

        Assert.All(result.Table.Schema.Columns, c => Assert.False(c.Nullable));
        Assert.Equal(1, result.Table.Schema.Find("tenure")!.Min);
        Assert.Equal(20, result.Table.Schema.Find("tenure")!.Max);
        Assert.Equal(["basic", "premium"], result.Table.Schema.Find("plan")!.Categories!);
    }

    [Fact]
    public async Task Notes_constant_columns_and_drops_columns_with_no_values()
    {
        var read = await CsvFiles.Read("x,country,notes,y\n1,FR,,a\n2,FR,,b\n3,,,a\n");

        var result = Cleaner.Clean(read.Table, "y");

        Assert.Equal(["country"], result.Report.ConstantColumns);
        Assert.Equal([new DroppedColumn("notes", "every value is missing")], result.Report.DroppedColumns);
        Assert.Equal(["x", "country", "y"], result.Table.Schema.Columns.Select(c => c.Name));
    }

    [Fact]
    public async Task A_label_column_not_in_the_table_fails_as_label_missing()
    {
        var read = await CsvFiles.Read(Customers);

        var error = Assert.Throws<DataFileException>(() => Cleaner.Clean(read.Table, "target"));

        Assert.Equal(DataFileErrorCodes.LabelMissing, error.Code);
        Assert.Equal("The label column 'target' is not in the data. Its columns are: tenure, plan, paperless, churned.", error.Message);
    }

    [Fact]
    public async Task The_label_is_found_ignoring_case()
    {
        var read = await CsvFiles.Read(Customers);

        var result = Cleaner.Clean(read.Table, "CHURNED");

        Assert.Equal("churned", result.Report.LabelColumn);
    }

    [Fact]
    public async Task A_table_where_every_label_is_missing_fails_as_all_labels_missing()
    {
        var read = await CsvFiles.Read("x,y\n1,\n2,NA\n3,?\n");

        var error = Assert.Throws<DataFileException>(() => Cleaner.Clean(read.Table, "y"));

        Assert.Equal(DataFileErrorCodes.AllLabelsMissing, error.Code);
        Assert.Equal("Every row (3) is missing a value in the label column 'y', so there is nothing to learn from.", error.Message);
    }

    [Fact]
    public async Task The_report_round_trips_through_json()
    {
        var read = await CsvFiles.Read(Customers);
        var report = Cleaner.Clean(read.Table, "churned").Report;

        var json = JsonSerializer.Serialize(report, Json.Options);
        var back = JsonSerializer.Deserialize<CleaningReport>(json, Json.Options)!;

        Assert.Contains("\"strategy\":\"median\"", json);
        Assert.Equal(report.RowsOut, back.RowsOut);
        Assert.Equal(report.Imputations, back.Imputations);
        Assert.Equal(report.ConstantColumns, back.ConstantColumns);
    }

    [Fact]
    public async Task The_recorded_plan_fills_new_data_the_same_way()
    {
        var read = await CsvFiles.Read(Customers);
        var report = Cleaner.Clean(read.Table, "churned").Report;
        var fresh = await CsvFiles.Read("tenure,plan,paperless\n,,\n3,premium,no\n");

        var filled = Cleaner.Impute(fresh.Table, report);

        Assert.Equal([7, 3], filled.Numeric("tenure"));
        Assert.Equal<string?[]>(["basic", "premium"], filled.Categorical("plan"));
        Assert.Equal([1, 0], filled.Numeric("paperless"));
    }
}
