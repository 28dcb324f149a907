using System.Text.Json;
using System.Text.Json.Serialization;
using ModelOps.Core.Storage;

namespace ModelOps.Core.Serving.Traffic;

/// <summary>One scored row as a line of the traffic log (DESIGN §2): what came in, what went out, which version, how fast.</summary>
/// <param name="RequestId">The predict response's <c>requestId</c>; feedback joins on it and <paramref name="Row"/>.</param>
/// <param name="Row">The row's index within its request, from 0.</param>
/// <param name="Time">When the request was scored (UTC); it picks the hour folder.</param>
/// <param name="Features">The row as sent, by column name: numbers, strings, booleans or nulls.</param>
/// <param name="Prediction">The row's entry of the predict response: <c>{"value"}</c>, <c>{"label","probability"}</c> or <c>{"label","probabilities"}</c>.</param>
/// <param name="LatencyMs">Scoring time of the <em>whole request</em> in milliseconds, repeated on each of its rows;
/// a row's share is <c>LatencyMs / RequestRows</c>, and request latency percentiles should take row 0 of each request.</param>
/// <param name="RequestRows">How many rows the request had.</param>
public sealed record TrafficRecord(
    string RequestId,
    int Row,
    DateTimeOffset Time,
    ModelName Model,
    int Version,
    IReadOnlyDictionary<string, JsonElement> Features,
    [property: JsonConverter(typeof(PredictionJsonConverter))] Prediction Prediction,
    double LatencyMs,
    int RequestRows = 1);

/// <summary>Writes a prediction in its task's shape and reads it back by the fields present, as no type discriminator is written.</summary>
internal sealed class PredictionJsonConverter : JsonConverter<Prediction>
{
    public override Prediction? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException("A prediction must be an object.");
        }
        if (TryGet(root, "value", out var value))
        {
            return new RegressionPrediction(value.GetDouble());
        }
        if (!TryGet(root, "label", out var label))
        {
            throw new JsonException("A prediction needs 'value' or 'label'.");
        }
        if (TryGet(root, "probabilities", out var probabilities))
        {
            var classes = probabilities.Deserialize<Dictionary<string, double>>(options)
                ?? throw new JsonException("'probabilities' must be an object.");
            return new MulticlassPrediction(label.GetString() ?? throw new JsonException("A multiclass label must be a string."), classes);
        }
        if (TryGet(root, "probability", out var probability))
        {
            return new BinaryPrediction(label.GetBoolean(), probability.GetDouble());
        }
        throw new JsonException("A prediction with a label needs 'probability' or 'probabilities'.");
    }

    public override void Write(Utf8JsonWriter writer, Prediction value, JsonSerializerOptions options) =>
        JsonSerializer.Serialize(writer, value, value.GetType(), options);

    // Web defaults write camelCase; reading tolerates any case, as the rest of ModelOps does.
    private static bool TryGet(JsonElement obj, string name, out JsonElement value)
    {
        foreach (var property in obj.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                value = property.Value;
                return true;
            }
        }
        value = default;
        return false;
    }
}
