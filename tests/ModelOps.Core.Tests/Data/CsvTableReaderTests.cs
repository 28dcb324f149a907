using System.Text;
using ModelOps.Core.Data;

namespace ModelOps.Core.Tests.Data;

public sealed class CsvTableReaderTests
{
    [Theory]
    [InlineData(",")]
    [InlineData(";")]
    [InlineData("\t")]
    [InlineData("|")]
    public async Task Detects_the_delimiter_from_the_header(string delimiter)
    {
        var text = string.Join(delimiter, "age", "city", "score") + "\n" + string.Join(delimiter, "31", "Paris", "0.5") + "\n"
            + string.Join(delimiter, "42", "Lyon", "1.25") + "\n";

        var result = await CsvFiles.Read(text);

        Assert.Equal(delimiter, result.Report.Delimiter);
        Assert.Equal(["age", "city", "score"], result.Table.Schema.Columns.Select(c => c.Name));
        Assert.Equal([31, 42], result.Table.Numeric("age"));
        Assert.Equal<string?[]>(["Paris", "Lyon"], result.Table.Categorical("city"));
        Assert.Equal([0.5, 1.25], result.Table.Numeric("score"));
    }

    [Fact]
    public async Task Reads_utf8_with_a_byte_order_mark_and_crlf_line_ends()
    {
        var bytes = new UTF8Encoding(true).GetPreamble().Concat(Encoding.UTF8.GetBytes("name,size\r\ncafé,1\r\nnaïve,2\r\n")).ToArray();

        var result = await CsvFiles.Read(bytes);

        Assert.Equal("name", result.Table.Schema.Columns[0].Name);
        Assert.Equal<string?[]>(["café", "naïve"], result.Table.Categorical("name"));
        Assert.Equal([1, 2], result.Table.Numeric("size"));
    }

    [Fact]
    public async Task Reads_quoted_fields_with_delimiters_quotes_and_newlines()
    {
        var text = "id,comment,amount\r\n1,\"Hello, world\",3\r\n2,\"said \"\"hi\"\"\r\nthen left\",4\r\n3,plain,5\r\n";

        var result = await CsvFiles.Read(text);

        Assert.Equal(3, result.Table.RowCount);
        Assert.Equal<string?[]>(["Hello, world", "said \"hi\"\r\nthen left", "plain"], result.Table.Categorical("comment"));
        Assert.Equal([3, 4, 5], result.Table.Numeric("amount"));
        Assert.Equal([2L, 3, 4], result.RowNumbers);
    }

    [Fact]
    public async Task Infers_numeric_boolean_and_categorical_columns()
    {
        var text = "n,flag,yn,cat,sci\n1,true,yes,a,1e3\n-2.5,False,NO,b,-2E-2\n,TRUE,yes, c ,0\n";

        var result = await CsvFiles.Read(text);
        var kinds = result.Table.Schema.Columns.Select(c => c.Kind).ToArray();

        Assert.Equal([ColumnKind.Numeric, ColumnKind.Boolean, ColumnKind.Boolean, ColumnKind.Categorical, ColumnKind.Numeric], kinds);
        Assert.Equal([1, -2.5, double.NaN], result.Table.Numeric("n"));
        Assert.Equal([1, 0, 1], result.Table.Numeric("flag"));
        Assert.Equal([1, 0, 1], result.Table.Numeric("yn"));
        Assert.Equal<string?[]>(["a", "b", "c"], result.Table.Categorical("cat"));
        Assert.Equal([1000, -0.02, 0], result.Table.Numeric("sci"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("NA")]
    [InlineData("n/a")]
    [InlineData("null")]
    [InlineData("NaN")]
    [InlineData("?")]
    [InlineData("  ")]
    public async Task Missing_tokens_are_missing_in_every_kind(string token)
    {
        var text = $"x,b,c\n1,yes,red\n{token},{token},{token}\n3,no,blue\n";

        var result = await CsvFiles.Read(text);

        Assert.True(double.IsNaN(result.Table.Numeric("x")[1]));
        Assert.Equal(ColumnKind.Boolean, result.Table.Schema.Columns[1].Kind);
        Assert.True(double.IsNaN(result.Table.Numeric("b")[1]));
        Assert.Null(result.Table.Categorical("c")[1]);
        Assert.All(result.Report.Columns, c => Assert.Equal(1, c.Missing));
    }

    [Fact]
    public async Task A_numeric_column_with_a_few_junk_cells_stays_numeric_and_counts_them()
    {
        var text = "income,city\n100,a\n200,b\nunknown,c\n300,d\n#REF!,e\n400,f\n";

        var result = await CsvFiles.Read(text);
        var income = result.Report.Columns[0];

        Assert.Equal(ColumnKind.Numeric, income.Kind);
        Assert.Equal(2, income.Unparseable);
        Assert.Equal(["unknown", "#REF!"], income.UnparseableExamples);
        Assert.Equal(0, income.Missing);
        Assert.Equal([100, 200, double.NaN, 300, double.NaN, 400], result.Table.Numeric("income"));
    }

    [Fact]
    public async Task A_mostly_non_numeric_column_is_categorical()
    {
        var result = await CsvFiles.Read("code\nA1\n200\nB7\nC9\n");

        Assert.Equal(ColumnKind.Categorical, result.Table.Schema.Columns[0].Kind);
        Assert.Equal<string?[]>(["A1", "200", "B7", "C9"], result.Table.Categorical("code"));
    }

    [Fact]
    public async Task A_few_ragged_rows_are_rejected_with_a_reason()
    {
        var lines = new List<string> { "a,b,c" };
        lines.AddRange(Enumerable.Range(0, 40).Select(i => $"{i},{i * 2},x"));
        lines.Insert(6, "5,6");

        var result = await CsvFiles.Read(string.Join("\n", lines) + "\n");

        Assert.Equal(40, result.Table.RowCount);
        var rejected = Assert.Single(result.Rejected);
        Assert.Equal(7, rejected.RowNumber);
        Assert.Equal("has 2 fields but the header has 3", rejected.Reason);
        Assert.Equal<IEnumerable<string?>>(["5", "6"], rejected.Values);
        Assert.Equal(41, result.Report.RowsRead);
        Assert.Equal(1, result.Report.RowsRejected);
    }

    [Fact]
    public async Task Blank_lines_and_trailing_empty_fields_are_tolerated()
    {
        var result = await CsvFiles.Read("a,b\n1,2,\n\n3,4\n\n");

        Assert.Equal([1, 3], result.Table.Numeric("a"));
        Assert.Empty(result.Rejected);
        Assert.Equal([2L, 4], result.RowNumbers);
    }

    [Fact]
    public async Task Header_names_are_trimmed_and_blank_names_get_a_position_name()
    {
        var result = await CsvFiles.Read(" a ,,c\n1,2,3\n");

        Assert.Equal(["a", "column_2", "c"], result.Table.Schema.Columns.Select(c => c.Name));
    }

    [Fact]
    public async Task A_given_schema_forces_kinds_instead_of_inferring_them()
    {
        var schema = new TableSchema([new ColumnSchema("zip", ColumnKind.Categorical), new ColumnSchema("ok", ColumnKind.Boolean)]);

        var result = await CsvFiles.Read("zip,ok,n\n02134,1,5\n,0,6\n10001,true,7\n", new CsvReadOptions { Schema = schema });

        Assert.Equal<string?[]>(["02134", null, "10001"], result.Table.Categorical("zip"));
        Assert.Equal([1, 0, 1], result.Table.Numeric("ok"));
        Assert.Equal(ColumnKind.Numeric, result.Table.Schema.Columns[2].Kind);
        Assert.False(result.Report.Columns[0].KindInferred);
        Assert.True(result.Report.Columns[2].KindInferred);
    }

    [Fact]
    public async Task The_read_table_carries_an_inferred_schema()
    {
        var result = await CsvFiles.Read("x,c\n3,b\n,a\n-1,b\n");

        var x = result.Table.Schema.Columns[0];
        var c = result.Table.Schema.Columns[1];
        Assert.True(x.Nullable);
        Assert.Equal(-1, x.Min);
        Assert.Equal(3, x.Max);
        Assert.False(c.Nullable);
        Assert.Equal(["b", "a"], c.Categories);
    }

    [Fact]
    public async Task Reads_a_file_larger_than_the_read_ahead_buffer()
    {
        var text = Testing.SyntheticData.Binary(3000, seed: 3);

        var result = await CsvFiles.Read(text);

        Assert.True(Encoding.UTF8.GetByteCount(text) > 64 * 1024);
        Assert.Equal(3000, result.Table.RowCount);
        Assert.Empty(result.Rejected);
    }
}
