using System.Text.Json;
using ModelOps.Core.Data;
using ModelOps.Core.Storage;

namespace ModelOps.Core.Tests.Data;

public sealed class TableSchemaInferTests
{
    [Fact]
    public void Infers_nullability_range_and_categories_most_frequent_first()
    {
        var table = new Table(
            new TableSchema([new ColumnSchema("n", ColumnKind.Numeric), new ColumnSchema("c", ColumnKind.Categorical), new ColumnSchema("b", ColumnKind.Boolean)]),
            new object[] { new[] { 2.0, double.NaN, -3 }, new string?[] { "b", "a", "b" }, new[] { 1.0, 0, 1 } });

        var schema = TableSchema.Infer(table);

        Assert.Equal(new ColumnSchema("n", ColumnKind.Numeric, true, -3, 2), schema.Columns[0]);
        Assert.Equal(["b", "a"], schema.Columns[1].Categories!);
        Assert.False(schema.Columns[1].Nullable);
        Assert.Null(schema.Columns[2].Min);
    }

    [Fact]
    public void Caps_the_number_of_categories()
    {
        var values = Enumerable.Range(0, 300).Select(i => (string?)$"v{i % 150}").Append("v7").ToArray();
        var table = new Table(new TableSchema([new ColumnSchema("c", ColumnKind.Categorical)]), [values]);

        var schema = TableSchema.Infer(table, maxCategories: 100);

        Assert.Equal(100, schema.Columns[0].Categories!.Count);
        Assert.Equal("v7", schema.Columns[0].Categories![0]);
    }

    [Fact]
    public async Task A_schema_round_trips_through_json()
    {
        var schema = (await CsvFiles.Read("x,c,b\n1,a,yes\n,b,no\n")).Table.Schema;

        var back = JsonSerializer.Deserialize<TableSchema>(JsonSerializer.Serialize(schema, Json.Options), Json.Options)!;

        Assert.Equal(schema.Columns.Count, back.Columns.Count);
        Assert.Equal(schema.Columns[0], back.Columns[0]);
        Assert.Equal(schema.Columns[1].Categories!, back.Columns[1].Categories!);
        Assert.Equal(ColumnKind.Boolean, back.Columns[2].Kind);
    }
}
