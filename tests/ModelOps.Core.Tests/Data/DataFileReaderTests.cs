using System.Text;
using ModelOps.Core.Data;

namespace ModelOps.Core.Tests.Data;

public sealed class DataFileReaderTests
{
    private static Task<CsvReadResult> Read(string text, string file = "data.csv", CsvReadOptions? options = null) =>
        DataFileReader.ReadAsync(new MemoryStream(DataCheck.Utf8(text)), file, options);

    [Theory]
    [InlineData("a.csv", "x,id,note\n1,007,yes\n2,12,no\n3,b15,\n")]
    [InlineData("a.jsonl", "{\"x\":1,\"id\":\"007\",\"note\":\"yes\"}\n{\"x\":2,\"id\":12,\"note\":\"no\"}\n{\"x\":3,\"id\":\"b15\",\"note\":null}\n")]
    public async Task Columns_the_schema_does_not_declare_can_be_read_as_one_kind_instead_of_inferred(string file, string text)
    {
        var options = new CsvReadOptions { Schema = new TableSchema([new ColumnSchema("x", ColumnKind.Numeric)]), UndeclaredKind = ColumnKind.Categorical };

        var table = (await Read(text, file, options)).Table;

        Assert.Equal([ColumnKind.Numeric, ColumnKind.Categorical, ColumnKind.Categorical], table.Schema.Columns.Select(c => c.Kind));
        Assert.Equal<string?[]>(["007", "12", "b15"], table.Categorical("id"));
        Assert.Equal<string?[]>(["yes", "no", null], table.Categorical("note"));
        Assert.Equal([1.0, 2, 3], table.Numeric("x").ToArray());
    }

    [Theory]
    [InlineData("a.csv", "x,y\n1,2\n", DataFormats.Csv)]
    [InlineData("a.tsv", "x\ty\n1\t2\n", DataFormats.Csv)]
    [InlineData("a.jsonl", "{\"x\":1}\n", DataFormats.JsonLines)]
    [InlineData("a.ndjson", "{\"x\":1}\n", DataFormats.JsonLines)]
    [InlineData("a.dat", "{\"x\":1}\n", DataFormats.JsonLines)]
    [InlineData("a.dat", "x,y\n", DataFormats.Csv)]
    [InlineData("a.csv", "PAR1....", DataFormats.Parquet)]
    public void The_format_is_detected_by_content_then_extension(string file, string content, string expected)
    {
        Assert.Equal(expected, DataFormats.Detect(file, Encoding.ASCII.GetBytes(content)));
    }

    [Fact]
    public async Task Json_lines_become_the_same_table_as_the_equivalent_csv()
    {
        var jsonl = "{\"age\": 30, \"city\": \"paris\", \"vip\": true}\n{\"city\": \"rome\", \"age\": null, \"vip\": false, \"extra\": [1,2]}\n\n{\"age\": 41.5, \"city\": \"  oslo \"}\n";

        var read = await Read(jsonl, "people.jsonl");

        Assert.Equal(DataFormats.JsonLines, read.Report.Format);
        Assert.Equal(["age", "city", "vip", "extra"], read.Table.Schema.Columns.Select(c => c.Name));
        Assert.Equal([30, double.NaN, 41.5], read.Table.Numeric("age"));
        Assert.Equal(new string?[] { "paris", "rome", "oslo" }, read.Table.Categorical("city"));
        Assert.Equal(ColumnKind.Boolean, read.Table.Schema.Columns[2].Kind);
        Assert.Equal([1, 0, double.NaN], read.Table.Numeric("vip"));
        Assert.Equal(new string?[] { null, "[1,2]", null }, read.Table.Categorical("extra"));
        Assert.Equal([1L, 2, 4], read.RowNumbers);
    }

    [Fact]
    public async Task A_bad_json_line_among_many_is_rejected_with_its_line_number()
    {
        var lines = string.Concat(Enumerable.Range(0, 40).Select(i => $"{{\"x\": {i}}}\n")) + "{\"x\": oops}\n";

        var read = await Read(lines, "x.jsonl");

        Assert.Equal(40, read.Table.RowCount);
        var rejected = Assert.Single(read.Rejected);
        Assert.Equal(41, rejected.RowNumber);
        Assert.StartsWith("is not valid JSON", rejected.Reason);
    }

    [Fact]
    public async Task A_bad_json_line_adds_nothing_not_even_the_key_it_brought()
    {
        var lines = string.Concat(Enumerable.Range(0, 40).Select(i => $"{{\"x\": {i}}}\n")) + "{\"x\": 1, \"y\": 2, oops}\n{\"x\": 41}\n";

        var read = await Read(lines, "x.jsonl");

        Assert.Equal(["x"], read.Table.Schema.Columns.Select(c => c.Name));
        Assert.Equal(41, read.Table.RowCount);
        Assert.Equal(41, read.Table.Numeric("x")[^1]);
        Assert.Equal(41, Assert.Single(read.Rejected).RowNumber);
    }

    [Fact]
    public async Task Json_keys_match_ignoring_case_and_escapes_and_the_first_of_a_repeated_key_wins()
    {
        // Keys in changing order and spelling: matched by their bytes where they repeat, by name otherwise.
        var lines = "{\"ab\": 1, \"c\": \"x\"}\n{\"c\": \"y\", \"a\\u0062\": 2}\n{\"AB\": 3, \"ab\": 99, \"c\": \"z\"}\n{\"ab\": 4, \"c\": \"x\"}\n";

        var read = await Read(lines, "x.jsonl");

        Assert.Equal(["ab", "c"], read.Table.Schema.Columns.Select(c => c.Name));
        Assert.Equal([1, 2, 3, 4], read.Table.Numeric("ab"));
        Assert.Equal(new string?[] { "x", "y", "z", "x" }, read.Table.Categorical("c"));
    }

    [Fact]
    public async Task Parquet_columns_keep_their_native_kinds()
    {
        var bytes = await BadFileCorpusTests.Parquet(10);

        var read = await DataFileReader.ReadAsync(new MemoryStream(bytes), "x.parquet");

        Assert.Equal(DataFormats.Parquet, read.Report.Format);
        Assert.Equal([ColumnKind.Numeric, ColumnKind.Numeric, ColumnKind.Categorical, ColumnKind.Datetime, ColumnKind.Boolean],
            read.Table.Schema.Columns.Select(c => c.Kind));
        Assert.Equal(20, read.Table.Numeric("age")[0]);
        Assert.True(double.IsNaN(read.Table.Numeric("income")[0]));
        Assert.Equal(1000.5, read.Table.Numeric("income")[1]);
        Assert.Equal(new DateTimeOffset(2024, 1, 2, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds(), read.Table.Numeric("signup")[1]);
        Assert.Equal(10, read.RowNumbers.Count);
    }

    [Fact]
    public async Task Utf16_csv_is_read_by_its_byte_order_mark()
    {
        var bytes = Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes("name;score\r\nZoë;1,5\r\n日本;2\r\n")).ToArray();

        var read = await DataFileReader.ReadAsync(new MemoryStream(bytes), "x.csv");

        Assert.Equal("utf-16le", read.Report.Encoding);
        Assert.Equal(";", read.Report.Delimiter);
        Assert.Equal(new string?[] { "Zoë", "日本" }, read.Table.Categorical("name"));
    }

    [Fact]
    public async Task Iso_dates_are_a_datetime_column_in_seconds_since_the_epoch()
    {
        var read = await Read("when,label\n2024-03-15,1\n2024-03-15T12:00:00Z,0\n2024-03-15 13:00:00+01:00,1\n,0\n");

        Assert.Equal(ColumnKind.Datetime, read.Table.Schema.Columns[0].Kind);
        var day = new DateTimeOffset(2024, 3, 15, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds();
        Assert.Equal([day, day + 43200, day + 43200, double.NaN], read.Table.Numeric("when"));
    }

    [Fact]
    public async Task Quoted_thousands_separators_are_coerced_and_counted()
    {
        var read = await Read("amount,label\n\"1,234.5\",1\n12,0\n\"-1,000,000\",1\n");

        Assert.Equal([1234.5, 12, -1_000_000], read.Table.Numeric("amount"));
        Assert.Equal(2, read.Report.Columns[0].Coerced);
    }

    [Theory]
    [InlineData("1,5")]
    [InlineData("12,34")]
    [InlineData("1,2345")]
    public void Ambiguous_commas_are_not_thousands_separators(string text)
    {
        Assert.False(CellText.TryParseNumber(text, out _));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-0")]
    [InlineData("123.456")]
    [InlineData("-98765.4321")]
    [InlineData(".5")]
    [InlineData("5.")]
    [InlineData("000123.4500")]
    [InlineData("123456789012345")]
    [InlineData("0.000000000000000000001")]
    [InlineData("1e5")]
    [InlineData("12345678901234567890")]
    public void The_fast_number_path_agrees_with_double_parse(string text)
    {
        Assert.True(CellText.TryParseNumber(text, out var value));
        Assert.Equal(double.Parse(text, System.Globalization.CultureInfo.InvariantCulture), value);
    }

    [Fact]
    public async Task NaN_and_infinity_are_read_as_missing_and_counted()
    {
        var read = await Read("x,label\n1,1\nNaN,0\ninf,1\n-Infinity,0\n2,1\n");

        Assert.Equal(ColumnKind.Numeric, read.Table.Schema.Columns[0].Kind);
        Assert.Equal(3, read.Report.Columns[0].NonFinite);
        Assert.Equal(3, read.Report.Columns[0].Missing);
        Assert.Equal(0, read.Report.Columns[0].Unparseable);
    }

    [Fact]
    public async Task A_column_numeric_in_the_sample_but_text_later_falls_back_to_categorical()
    {
        var text = "code,label\n" + string.Concat(Enumerable.Range(0, 30).Select(i => $"{i},1\n")) + string.Concat(Enumerable.Range(0, 40).Select(i => $"A{i},0\n"));

        var read = await Read(text, options: new CsvReadOptions { SampleRows = 10 });

        Assert.Equal(ColumnKind.Categorical, read.Table.Schema.Columns[0].Kind);
        Assert.Equal("3", read.Table.Categorical("code")[3]);
        Assert.Equal("A0", read.Table.Categorical("code")[30]);
    }

    [Fact]
    public async Task A_few_bad_values_after_the_sample_keep_the_column_numeric_and_are_counted()
    {
        var text = "x,label\n" + string.Concat(Enumerable.Range(0, 100).Select(i => $"{(i == 50 ? "oops" : i.ToString())},1\n"));

        var read = await Read(text, options: new CsvReadOptions { SampleRows = 10 });

        Assert.Equal(ColumnKind.Numeric, read.Table.Schema.Columns[0].Kind);
        Assert.Equal(1, read.Report.Columns[0].Unparseable);
        Assert.Equal(["oops"], read.Report.Columns[0].UnparseableExamples);
        Assert.True(double.IsNaN(read.Table.Numeric("x")[50]));
    }

    [Fact]
    public async Task Streaming_kind_settling_matches_reading_everything_as_text()
    {
        var text = Testing.SyntheticData.Regression(3000, seed: 5);

        var sampled = await Read(text, options: new CsvReadOptions { SampleRows = 7 });
        var whole = await Read(text, options: new CsvReadOptions { SampleRows = 1_000_000 });

        Assert.Equal(whole.Table.Schema, sampled.Table.Schema, new SchemaComparer());
        for (var c = 0; c < whole.Table.ColumnCount; c++)
        {
            Assert.Equal(whole.Table.Column(c), sampled.Table.Column(c));
        }
    }

    [Fact]
    public async Task Long_free_text_is_a_text_column_only_when_asked()
    {
        var text = "review,label\n" + string.Concat(Enumerable.Range(0, 30).Select(i => $"\"This product number {i} was really quite good, I would buy it again\",1\n"));

        var plain = await Read(text);
        var withText = await Read(text, options: new CsvReadOptions { InferText = true });

        Assert.Equal(ColumnKind.Categorical, plain.Table.Schema.Columns[0].Kind);
        Assert.Equal(ColumnKind.Text, withText.Table.Schema.Columns[0].Kind);
        Assert.Null(withText.Table.Schema.Columns[0].Categories);
    }

    [Fact]
    public async Task A_declared_length_over_the_limit_fails_before_reading()
    {
        var error = await Assert.ThrowsAsync<DataFileException>(() =>
            DataFileReader.ReadAsync(new MemoryStream(DataCheck.Utf8("a\n1\n")), "a.csv", declaredLength: 2L << 30));

        Assert.Equal(DataFileErrorCodes.TooLarge, error.Code);
    }

    private sealed class SchemaComparer : IEqualityComparer<TableSchema>
    {
        public bool Equals(TableSchema? x, TableSchema? y) =>
            x!.Columns.Select(c => (c.Name, c.Kind, c.Nullable, c.Min, c.Max, string.Join("|", c.Categories ?? [])))
                .SequenceEqual(y!.Columns.Select(c => (c.Name, c.Kind, c.Nullable, c.Min, c.Max, string.Join("|", c.Categories ?? []))));

        public int GetHashCode(TableSchema obj) => obj.Columns.Count;
    }
}

public sealed class ParquetDeclaredSchemaTests
{
    [Fact]
    public async Task A_declared_schema_can_make_a_parquet_number_column_categorical()
    {
        var bytes = await BadFileCorpusTests.Parquet(5);
        var schema = new TableSchema([new ColumnSchema("age", ColumnKind.Categorical)]);

        var read = await DataFileReader.ReadAsync(new MemoryStream(bytes), "x.parquet", new CsvReadOptions { Schema = schema });

        Assert.Equal(ColumnKind.Categorical, read.Table.Schema.Columns[0].Kind);
        Assert.Equal("20", read.Table.Categorical("age")[0]);
        Assert.False(read.Report.Columns[0].KindInferred);
    }
}
