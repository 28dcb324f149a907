using System.Text.Json;
using System.Text.Json.Nodes;
using ModelOps.Core.Data;

namespace ModelOps.Testing;

/// <summary>Predict request bodies made from fresh synthetic rows, the label left out, as a client would send them.</summary>
public static class PredictRows
{
    public static IReadOnlyList<string> MulticlassClasses { get; } = ["setosa", "versicolor", "virginica"];

    public static string Binary(int count, int seed) => Body(SyntheticData.Binary(count * 2 + 10, seed), SyntheticData.BinaryLabel, count);

    public static string Regression(int count, int seed) => Body(SyntheticData.Regression(count * 2 + 10, seed), SyntheticData.RegressionLabel, count);

    public static string Multiclass(int count, int seed) => Body(SyntheticData.Multiclass(count * 2 + 10, seed), SyntheticData.MulticlassLabel, count);

    /// <summary><c>{"rows": [...]}</c> with the first <paramref name="count"/> complete rows of a CSV, without the label.</summary>
    public static string Body(string csv, string label, int count)
    {
        var table = CsvTableReader.ReadAsync(new MemoryStream(SyntheticData.Utf8(csv))).GetAwaiter().GetResult().Table;
        var rows = new JsonArray();
        for (var r = 0; r < table.RowCount && rows.Count < count; r++)
        {
            var row = new JsonObject();
            var complete = true;
            for (var c = 0; c < table.ColumnCount; c++)
            {
                var column = table.Schema.Columns[c];
                if (string.Equals(column.Name, label, StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }
                JsonNode? value = column.Kind switch
                {
                    ColumnKind.Categorical => table.Categorical(c)[r] is { } s ? JsonValue.Create(s) : null,
                    ColumnKind.Boolean => double.IsNaN(table.Numeric(c)[r]) ? null : JsonValue.Create(table.Numeric(c)[r] == 1),
                    _ => double.IsNaN(table.Numeric(c)[r]) ? null : JsonValue.Create(table.Numeric(c)[r]),
                };
                complete &= value is not null;
                row[column.Name] = value;
            }
            if (complete)
            {
                rows.Add(row);
            }
        }
        return new JsonObject { ["rows"] = rows }.ToJsonString();
    }
}
