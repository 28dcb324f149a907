using ModelOps.Core.Data;

namespace ModelOps.Core.Tests.Data;

public sealed class SampleDataTests
{
    [Fact]
    public async Task The_churn_sample_reads_and_cleans_into_a_binary_task()
    {
        var path = FindSample("samples/churn/customers.csv");
        await using var file = File.OpenRead(path);

        var read = await CsvTableReader.ReadAsync(file);
        var cleaned = Cleaner.Clean(read.Table, "churned", read.RowNumbers);

        Assert.Equal(2000, read.Table.RowCount);
        Assert.Equal(12, read.Table.ColumnCount);
        Assert.Equal(ColumnKind.Boolean, read.Table.Schema.Find("churned")!.Kind);
        Assert.Equal(ColumnKind.Numeric, read.Table.Schema.Find("total_charges")!.Kind);
        Assert.Equal(ColumnKind.Categorical, read.Table.Schema.Find("contract")!.Kind);
        Assert.InRange(cleaned.Report.DuplicateRowsDropped, 5, 40);
        Assert.Contains(cleaned.Report.Imputations, i => i.Column == "monthly_charges" && i.Imputed > 0);
        Assert.All(cleaned.Table.Schema.Columns, c => Assert.False(c.Nullable));
    }

    private static string FindSample(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, relative);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new FileNotFoundException($"{relative} was not found above {AppContext.BaseDirectory}; run scripts/make_sample_data.py.");
    }
}
