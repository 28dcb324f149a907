using System.Text.Json;
using ModelOps.Core.Data;
using ModelOps.Core.Serving.Traffic;
using static ModelOps.Core.Tests.Serving.Traffic.TrafficTestKit;

namespace ModelOps.Core.Tests.Serving.Traffic;

public sealed class TrafficTableTests
{
    [Fact]
    public void Features_predictions_and_latency_become_columns_and_wrong_types_are_counted()
    {
        var bad = Record("b") with
        {
            Features = new Dictionary<string, JsonElement> { ["TENURE"] = JsonSerializer.SerializeToElement("lots"), ["active"] = JsonSerializer.SerializeToElement(false) },
        };
        var schema = new TableSchema([
            new ColumnSchema("tenure", ColumnKind.Numeric), new ColumnSchema("plan", ColumnKind.Categorical),
            new ColumnSchema("active", ColumnKind.Boolean), new ColumnSchema("note", ColumnKind.Categorical)]);

        var frame = TrafficTable.Build([Record("a", tenure: 2.5), bad], schema);

        Assert.Equal([2.5, double.NaN], frame.Table.Numeric("tenure"));
        Assert.Equal(new string?[] { "gold", null }, frame.Table.Categorical("plan").AsEnumerable());
        Assert.Equal([1.0, 0.0], frame.Table.Numeric("active"));
        Assert.All(frame.Table.Categorical("note"), Assert.Null);
        Assert.Equal([1.0, 1.0], frame.Table.Numeric(TrafficTable.PredictionColumn));
        Assert.Equal([0.75, 0.75], frame.Table.Numeric(TrafficTable.ProbabilityColumn));
        Assert.Equal([0.4, 0.4], frame.Table.Numeric(TrafficTable.LatencyColumn));
        Assert.Equal(1, frame.TypeErrors["tenure"]);
        Assert.Single(frame.TypeErrors);
    }
}
