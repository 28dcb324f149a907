using ModelOps.Core.Data;
using ModelOps.Testing;

namespace ModelOps.Core.Tests.Data;

public sealed class SyntheticDataTests
{
    public static TheoryData<string> Tasks => ["binary", "regression", "multiclass"];

    [Theory]
    [MemberData(nameof(Tasks))]
    public void Is_deterministic_for_a_seed(string task)
    {
        Assert.Equal(Generate(task, 300, 5), Generate(task, 300, 5));
        Assert.NotEqual(Generate(task, 300, 5), Generate(task, 300, 6));
    }

    [Theory]
    [MemberData(nameof(Tasks))]
    public async Task Has_the_promised_shape(string task)
    {
        var (columns, label) = task switch
        {
            "binary" => (SyntheticData.BinaryColumns, SyntheticData.BinaryLabel),
            "regression" => (SyntheticData.RegressionColumns, SyntheticData.RegressionLabel),
            _ => (SyntheticData.MulticlassColumns, SyntheticData.MulticlassLabel),
        };

        var read = await CsvFiles.Read(Generate(task, 1000, 2));
        var cleaned = Cleaner.Clean(read.Table, label);

        Assert.Equal(1000, read.Table.RowCount);
        Assert.Equal(columns, read.Table.Schema.Columns.Select(c => c.Name));
        Assert.Contains(read.Table.Schema.Columns, c => c.Kind == ColumnKind.Numeric);
        Assert.Contains(read.Table.Schema.Columns, c => c.Kind == ColumnKind.Categorical);
        Assert.InRange(read.Report.Columns.Sum(c => c.Missing), 10, 100);
        Assert.InRange(cleaned.Report.DuplicateRowsDropped, 2, 30);
        Assert.Equal(0, cleaned.Report.MissingLabelRowsDropped);
        Assert.All(read.Report.Columns, c => Assert.Equal(0, c.Unparseable));
    }

    [Fact]
    public async Task Labels_have_the_promised_kinds_and_levels()
    {
        var binary = (await CsvFiles.Read(SyntheticData.Binary(1000, 1))).Table;
        var regression = (await CsvFiles.Read(SyntheticData.Regression(1000, 1))).Table;
        var multiclass = (await CsvFiles.Read(SyntheticData.Multiclass(1000, 1))).Table;

        Assert.Equal(ColumnKind.Boolean, binary.Schema.Find("churned")!.Kind);
        Assert.InRange(binary.Numeric("churned").Average(), 0.15, 0.85);
        Assert.Equal(ColumnKind.Numeric, regression.Schema.Find("price")!.Kind);
        Assert.Equal(ColumnKind.Boolean, regression.Schema.Find("has_garage")!.Kind);
        Assert.Equal(["setosa", "versicolor", "virginica"], multiclass.Schema.Find("species")!.Categories!.Order());
    }

    [Fact]
    public void The_binary_label_is_learnable_from_the_features()
    {
        // Contract length alone should separate churn rates clearly.
        var lines = SyntheticData.Binary(2000, 4).Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.Split(',')).ToArray();
        double ChurnRate(string contract) => lines.Where(f => f[2] == contract).Average(f => f[6] == "yes" ? 1.0 : 0.0);

        Assert.True(ChurnRate("month-to-month") > ChurnRate("two-year") + 0.2);
    }

    private static string Generate(string task, int rows, int seed) => task switch
    {
        "binary" => SyntheticData.Binary(rows, seed),
        "regression" => SyntheticData.Regression(rows, seed),
        _ => SyntheticData.Multiclass(rows, seed),
    };
}
