using System.Text;
using ModelOps.Core.Data;
using ModelOps.Testing;

namespace ModelOps.Core.Tests.Data;

public sealed class CsvTableWriterTests
{
    [Fact]
    public async Task A_table_written_and_read_back_with_its_schema_keeps_values_and_kinds()
    {
        var schema = new TableSchema([
            new ColumnSchema("x", ColumnKind.Numeric),
            new ColumnSchema("zip", ColumnKind.Categorical),
            new ColumnSchema("flag", ColumnKind.Boolean),
            new ColumnSchema("text", ColumnKind.Categorical),
        ]);
        var table = new Table(schema, new object[]
        {
            new[] { 0.1 + 0.2, double.NaN, -1e-300, 123456789.125 },
            new string?[] { "02134", null, "10001", "7" },
            new[] { 1.0, 0, double.NaN, 1 },
            new string?[] { "a, \"quoted\" value", "line\nbreak", "ünïcødé", "plain" },
        });

        var back = await RoundTrip(table, schema);

        Assert.Equal(schema.Columns.Select(c => (c.Name, c.Kind)), back.Schema.Columns.Select(c => (c.Name, c.Kind)));
        Assert.Equal(table.Numeric("x"), back.Numeric("x"));
        Assert.Equal(table.Categorical("zip"), back.Categorical("zip"));
        Assert.Equal(table.Numeric("flag"), back.Numeric("flag"));
        Assert.Equal(table.Categorical("text"), back.Categorical("text"));
    }

    [Fact]
    public async Task A_cleaned_synthetic_table_round_trips_with_its_schema()
    {
        var read = await CsvFiles.Read(SyntheticData.Binary(500, seed: 11));
        var cleaned = Cleaner.Clean(read.Table, SyntheticData.BinaryLabel).Table;

        var back = await RoundTrip(cleaned, cleaned.Schema);

        Assert.Equal(cleaned.Schema, back.Schema, new SchemaComparer());
        Assert.Equal(cleaned.RowCount, back.RowCount);
        for (var c = 0; c < cleaned.ColumnCount; c++)
        {
            if (cleaned.Column(c) is double[] numbers)
            {
                Assert.Equal(numbers, back.Numeric(c));
            }
            else
            {
                Assert.Equal(cleaned.Categorical(c), back.Categorical(c));
            }
        }
    }

    [Fact]
    public async Task Column_names_with_other_delimiters_do_not_confuse_detection_on_the_way_back()
    {
        var schema = new TableSchema([new ColumnSchema("price;eur;net", ColumnKind.Numeric), new ColumnSchema("a|b", ColumnKind.Categorical)]);
        var table = new Table(schema, new object[] { new[] { 1.0, 2 }, new string?[] { "x;y", "z\tw" } });

        var back = await RoundTrip(table, schema);

        Assert.Equal(["price;eur;net", "a|b"], back.Schema.Columns.Select(c => c.Name));
        Assert.Equal<string?[]>(["x;y", "z\tw"], back.Categorical(1));
    }

    [Fact]
    public async Task Rejected_rows_are_written_with_row_and_reason_columns()
    {
        var rows = new[]
        {
            new RejectedRow(4, "label is missing", ["1", null, "a,b"]),
            new RejectedRow(9, "has 4 fields but the header has 3", ["1", "2", "3", "4"]),
        };
        using var stream = new MemoryStream();

        await CsvTableWriter.WriteRejectedAsync(["x", "y", "z"], rows, stream);

        Assert.Equal(
            "row,reason,x,y,z,extra_1\n" +
            "4,label is missing,1,,\"a,b\",\n" +
            "9,has 4 fields but the header has 3,1,2,3,4\n",
            Encoding.UTF8.GetString(stream.ToArray()));
    }

    [Fact]
    public async Task Written_csv_has_no_byte_order_mark_and_leaves_the_stream_open()
    {
        var table = new Table(new TableSchema([new ColumnSchema("a", ColumnKind.Numeric)]), [new[] { 1.5 }]);
        using var stream = new MemoryStream();

        await CsvTableWriter.WriteAsync(table, stream);

        Assert.True(stream.CanWrite);
        Assert.Equal("a\n1.5\n", Encoding.UTF8.GetString(stream.ToArray()));
    }

    private static async Task<Table> RoundTrip(Table table, TableSchema schema)
    {
        using var stream = new MemoryStream();
        await CsvTableWriter.WriteAsync(table, stream);
        stream.Position = 0;
        return (await CsvTableReader.ReadAsync(stream, new CsvReadOptions { Schema = schema })).Table;
    }
}
