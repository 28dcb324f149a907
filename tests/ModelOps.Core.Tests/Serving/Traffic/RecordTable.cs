using System.Globalization;
using System.Text.Json;
using ModelOps.Core.Data;
using ModelOps.Core.Serving;
using ModelOps.Core.Serving.Traffic;

namespace ModelOps.Core.Tests.Serving.Traffic;

/// <summary>
/// The record-by-record layout the traffic table had before it read JSON lines straight into columns (each value a
/// <see cref="JsonElement"/>, boxed back out per column): kept here as the reference the lean reader must equal.
/// </summary>
internal static class RecordTable
{
    private const string PredictionColumn = TrafficTable.PredictionColumn;
    private const string ProbabilityColumn = TrafficTable.ProbabilityColumn;
    private const string LatencyColumn = TrafficTable.LatencyColumn;

    public static TrafficFrame Build(IReadOnlyList<TrafficRecord> records, TableSchema features)
    {
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(features);
        foreach (var name in new[] { PredictionColumn, ProbabilityColumn, LatencyColumn })
        {
            if (features.IndexOf(name) >= 0)
            {
                throw new ArgumentException($"A feature is named '{name}', which the traffic table uses for its own column.", nameof(features));
            }
        }
        var errors = new Dictionary<string, long>(StringComparer.OrdinalIgnoreCase);
        var columns = new List<object>();
        foreach (var column in features.Columns)
        {
            columns.Add(Feature(records, column, errors));
        }
        var kind = records.Count == 0 ? ColumnKind.Numeric : records[0].Prediction switch
        {
            BinaryPrediction => ColumnKind.Boolean,
            MulticlassPrediction => ColumnKind.Categorical,
            _ => ColumnKind.Numeric,
        };
        var probability = new double[records.Count];
        object prediction = kind == ColumnKind.Categorical ? new string?[records.Count] : new double[records.Count];
        var latency = new double[records.Count];
        for (var r = 0; r < records.Count; r++)
        {
            latency[r] = records[r].LatencyMs;
            probability[r] = double.NaN;
            switch (records[r].Prediction, prediction)
            {
                case (RegressionPrediction p, double[] values) when kind == ColumnKind.Numeric:
                    values[r] = p.Value;
                    break;
                case (BinaryPrediction p, double[] values) when kind == ColumnKind.Boolean:
                    values[r] = p.Label ? 1 : 0;
                    probability[r] = p.Probability;
                    break;
                case (MulticlassPrediction p, string?[] labels):
                    labels[r] = p.Label;
                    probability[r] = p.Probabilities.TryGetValue(p.Label, out var pl) ? pl : double.NaN;
                    break;
                case (_, double[] values):
                    values[r] = double.NaN; // another task's output (the model changed task): missing here
                    break;
            }
        }
        var schema = new TableSchema([.. features.Columns,
            new ColumnSchema(PredictionColumn, kind, Nullable: true),
            new ColumnSchema(ProbabilityColumn, ColumnKind.Numeric, Nullable: true),
            new ColumnSchema(LatencyColumn, ColumnKind.Numeric)]);
        columns.Add(prediction);
        columns.Add(probability);
        columns.Add(latency);
        return new TrafficFrame(new Table(schema, columns), errors);
    }

    private static object Feature(IReadOnlyList<TrafficRecord> records, ColumnSchema column, Dictionary<string, long> errors)
    {
        var typeErrors = 0L;
        object result;
        if (column.Kind.IsString())
        {
            var values = new string?[records.Count];
            for (var r = 0; r < records.Count; r++)
            {
                if (Find(records[r].Features, column.Name) is { } v)
                {
                    values[r] = v.ValueKind switch
                    {
                        JsonValueKind.String => v.GetString(),
                        JsonValueKind.Number => v.GetRawText(),
                        JsonValueKind.True => "true",
                        JsonValueKind.False => "false",
                        _ => Count(ref typeErrors, (string?)null),
                    };
                }
            }
            result = values;
        }
        else
        {
            var values = new double[records.Count];
            for (var r = 0; r < records.Count; r++)
            {
                values[r] = Find(records[r].Features, column.Name) is { } v
                    ? (column.Kind == ColumnKind.Boolean ? Boolean(v) : Number(v)) ?? Count(ref typeErrors, double.NaN)
                    : double.NaN;
            }
            result = values;
        }
        if (typeErrors > 0)
        {
            errors[column.Name] = typeErrors;
        }
        return result;
    }

    /// <summary>The value by name (any case); null when missing or JSON null.</summary>
    private static JsonElement? Find(IReadOnlyDictionary<string, JsonElement> features, string name)
    {
        if (!features.TryGetValue(name, out var value))
        {
            var match = features.FirstOrDefault(f => string.Equals(f.Key, name, StringComparison.OrdinalIgnoreCase));
            if (match.Key is null)
            {
                return null;
            }
            value = match.Value;
        }
        return value.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined ? null : value;
    }

    private static double? Number(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.Number => v.GetDouble(),
        JsonValueKind.String when double.TryParse(v.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
        _ => null,
    };

    private static double? Boolean(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.True => 1,
        JsonValueKind.False => 0,
        JsonValueKind.Number when v.TryGetDouble(out var n) && n is 0 or 1 => n,
        JsonValueKind.String => v.GetString()?.Trim().ToLowerInvariant() switch { "true" or "1" => 1, "false" or "0" => 0, _ => null },
        _ => null,
    };

    private static T Count<T>(ref long errors, T value)
    {
        errors++;
        return value;
    }
}
