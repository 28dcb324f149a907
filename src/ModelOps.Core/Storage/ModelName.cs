using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace ModelOps.Core.Storage;

/// <summary>A validated model name: lowercase letters, digits and '-', 1 to 63 characters. No other string becomes a path.</summary>
[JsonConverter(typeof(ModelNameJsonConverter))]
public readonly partial record struct ModelName
{
    private readonly string? _value;

    private ModelName(string value) => _value = value;

    public string Value => _value ?? throw new InvalidOperationException("An uninitialised ModelName was used.");

    public static ModelName Parse(string? value) =>
        TryParse(value, out var name, out var error) ? name : throw new ArgumentException(error, nameof(value));

    public static bool TryParse(string? value, out ModelName name, [NotNullWhen(false)] out string? error)
    {
        name = default;
        if (string.IsNullOrEmpty(value))
        {
            error = "A model name is required.";
            return false;
        }
        if (!Pattern().IsMatch(value))
        {
            error = $"'{Truncate(value)}' is not a valid model name: use 1 to 63 lowercase letters, digits and '-', starting with a letter or digit.";
            return false;
        }
        name = new ModelName(value);
        error = null;
        return true;
    }

    /// <summary>The model a data blob belongs to: the first segment of its path in the datasets container.</summary>
    public static bool TryFromDatasetBlob(string blobName, out ModelName name, [NotNullWhen(false)] out string? error)
    {
        var slash = blobName.IndexOf('/');
        if (slash <= 0 || blobName.IndexOf('/', slash + 1) >= 0)
        {
            name = default;
            error = $"'{Truncate(blobName)}' is not at datasets/{{model}}/{{file}}: put data files in a folder named after the model.";
            return false;
        }
        return TryParse(blobName[..slash], out name, out error);
    }

    public override string ToString() => Value;

    public static implicit operator string(ModelName name) => name.Value;

    private static string Truncate(string value) => value.Length <= 80 ? value : value[..80] + "...";

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,62}$")]
    private static partial Regex Pattern();

    private sealed class ModelNameJsonConverter : JsonConverter<ModelName>
    {
        public override ModelName Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            Parse(reader.GetString());

        public override void Write(Utf8JsonWriter writer, ModelName value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.Value);
    }
}
