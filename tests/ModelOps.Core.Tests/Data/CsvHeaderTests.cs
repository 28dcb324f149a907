using ModelOps.Core.Data;

namespace ModelOps.Core.Tests.Data;

/// <summary>Whether a CSV's first row names its columns is told from the rows below it, or set in the options.</summary>
public sealed class CsvHeaderTests
{
    [Theory]
    [InlineData("age,plan,churned\n30,basic,yes\n41,pro,no\n52,basic,no\n", true)]
    [InlineData("30,basic,yes\n41,pro,no\n52,basic,no\n", false)]
    [InlineData("1.5,2,3\n4,5,6e3\n7,8,-9\n", false)]
    [InlineData("x,y\n1,2\n3,4\n", true)]
    [InlineData("2024-01-05,3\n2024-02-01,4\n2024-03-09,5\n", false)]
    [InlineData("day,n\n2024-01-05,3\n2024-02-01,4\n", true)]
    [InlineData("yes,red\nno,blue\nyes,red\n", false)]
    [InlineData("2023,region\n1.5,north\n2.5,south\n3.5,north\n", true)] // a year as a column name, over numbers
    [InlineData("name,city\nann,oslo\nbob,rome\n", true)] // words over distinct words: keep the header
    [InlineData("\"a,1\",b\n\"x,2\",3\n\"y,3\",4\n", true)]
    [InlineData("1,2\n\n3,4\n\n5,6\n", false)] // blank lines are not records
    public async Task The_first_row_is_a_header_unless_the_rows_below_say_otherwise(string csv, bool header)
    {
        var read = await CsvFiles.Read(csv);

        Assert.Equal(header, read.Report.HasHeader);
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
        Assert.Equal(header ? lines - 1 : lines, read.Table.RowCount);
        if (!header)
        {
            Assert.Equal(Enumerable.Range(1, read.Table.ColumnCount).Select(i => $"column_{i}"), read.Table.Schema.Columns.Select(c => c.Name));
            Assert.Equal(1, read.RowNumbers[0]); // the first line is data row 1
        }
    }

    [Fact]
    public async Task A_headerless_file_keeps_its_kinds_and_values()
    {
        var read = await CsvFiles.Read("30,basic,1200.5,yes\n41,pro,900,no\n52,basic,300,no\n");

        Assert.Equal([ColumnKind.Numeric, ColumnKind.Categorical, ColumnKind.Numeric, ColumnKind.Boolean], read.Table.Schema.Columns.Select(c => c.Kind));
        Assert.Equal([30, 41, 52], read.Table.Numeric("column_1"));
        Assert.Equal(new string?[] { "basic", "pro", "basic" }, read.Table.Categorical("column_2"));
    }

    [Fact]
    public async Task The_options_can_say_whether_there_is_a_header()
    {
        var headerless = await CsvFiles.Read("age,plan\n30,basic\n41,pro\n", new CsvReadOptions { HasHeader = false });
        var named = await CsvFiles.Read("30,basic\n41,pro\n52,basic\n", new CsvReadOptions { HasHeader = true });

        Assert.Equal(3, headerless.Table.RowCount);
        Assert.Equal("basic", headerless.Table.Categorical("column_2")[1]);
        Assert.Equal(["age"], headerless.Report.Columns[0].UnparseableExamples); // a word in a column of numbers
        Assert.Equal(["30", "basic"], named.Table.Schema.Columns.Select(c => c.Name));
        Assert.Equal(2, named.Table.RowCount);
    }

    [Fact]
    public async Task A_chunked_read_of_a_headerless_file_reports_it()
    {
        var csv = string.Concat(Enumerable.Range(0, 5_000).Select(i => $"{i},{i % 3},{(i % 2 == 0 ? "yes" : "no")}\n"));
        var read = await DataFileReader.ReadChunksAsync(new MemoryStream(DataCheck.Utf8(csv)), "data.csv", new CsvReadOptions { SampleRows = 200 }, null,
            (_, _) => ValueTask.CompletedTask, chunkRows: 1_000);

        Assert.False(read.Report.HasHeader);
        Assert.Equal(5_000, read.Report.RowsRead);
        Assert.Equal(["column_1", "column_2", "column_3"], read.Schema.Columns.Select(c => c.Name));
    }

    [Theory]
    [InlineData("sep=;\na;b\n1;2\n3;4\n")]
    [InlineData("SEP=;\r\na;b\r\n1;2\r\n3;4\r\n")]
    public async Task An_excel_separator_line_names_the_delimiter_and_is_not_a_row(string csv)
    {
        var read = await CsvFiles.Read(csv);

        Assert.Equal(";", read.Report.Delimiter);
        Assert.Equal(["a", "b"], read.Table.Schema.Columns.Select(c => c.Name));
        Assert.Equal([1, 3], read.Table.Numeric("a"));
        Assert.Equal([3L, 4], read.RowNumbers); // line numbers: the hint is line 1, the header line 2
    }

    [Fact]
    public async Task A_first_field_that_only_starts_like_a_separator_line_is_data()
    {
        var read = await CsvFiles.Read("sep=;x,b\n1,2\n");

        Assert.Equal(["sep=;x", "b"], read.Table.Schema.Columns.Select(c => c.Name));
    }
}
