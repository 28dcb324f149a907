using System.Globalization;
using System.Text.Json;
using ModelOps.Core.Data;

namespace ModelOps.Core.Serving;

/// <summary>Turns JSON rows into a feature <see cref="Table"/>, collecting every bad field before failing.</summary>
internal static class ScoringRows
{
    /// <param name="fillable">Features that may be missing or null (left as NaN/null for imputation); all others are required.</param>
    /// <exception cref="ScoringInputException">Any row lacks a required feature or gives one of the wrong type.</exception>
    public static Table ToTable(IReadOnlyList<IReadOnlyDictionary<string, JsonElement>> rows, TableSchema features,
        IReadOnlySet<string>? fillable = null)
    {
        var errors = new List<string>();
        var columns = features.Columns
            .Select(c => c.Kind == ColumnKind.Categorical ? (object)new string?[rows.Count] : new double[rows.Count])
            .ToArray();
        for (var r = 0; r < rows.Count; r++)
        {
            if (rows[r] is null)
            {
                errors.Add($"row {r} is null, not an object");
                continue;
            }
            var row = CaseInsensitive(rows[r], r, errors);
            for (var c = 0; c < features.Columns.Count; c++)
            {
                var column = features.Columns[c];
                if (!row.TryGetValue(column.Name, out var value) || value.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
                {
                    if (fillable?.Contains(column.Name) == true)
                    {
                        if (columns[c] is double[] missing)
                        {
                            missing[r] = double.NaN;
                        }
                        continue;
                    }
                    errors.Add($"row {r}: '{column.Name}' is missing");
                    continue;
                }
                var problem = column.Kind switch
                {
                    ColumnKind.Categorical => ReadCategory(value, r, ((string?[])columns[c])),
                    ColumnKind.Boolean => ReadBoolean(value, r, (double[])columns[c]),
                    _ => ReadNumber(value, r, (double[])columns[c]),
                };
                if (problem is not null)
                {
                    errors.Add($"row {r}: '{column.Name}' {problem}");
                }
            }
        }
        if (errors.Count > 0)
        {
            throw new ScoringInputException(errors);
        }
        return new Table(features, columns);
    }

    private static IReadOnlyDictionary<string, JsonElement> CaseInsensitive(IReadOnlyDictionary<string, JsonElement> row, int index, List<string> errors)
    {
        // Rows parsed by the host are already keyed without case: no copy on the hot path.
        if (row is Dictionary<string, JsonElement> { Comparer: var comparer } ready && ReferenceEquals(comparer, StringComparer.OrdinalIgnoreCase))
        {
            return ready;
        }
        var result = new Dictionary<string, JsonElement>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in row)
        {
            if (!result.TryAdd(name, value))
            {
                errors.Add($"row {index}: '{name}' is given more than once (names ignore case)");
            }
        }
        return result;
    }

    private static string? ReadNumber(JsonElement value, int row, double[] column)
    {
        double number;
        switch (value.ValueKind)
        {
            case JsonValueKind.Number:
                number = value.GetDouble();
                break;
            case JsonValueKind.String when double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out number):
                break;
            default:
                return $"must be a number, got {Describe(value)}";
        }
        if (!double.IsFinite(number))
        {
            return $"must be a finite number, got {Describe(value)}";
        }
        column[row] = number;
        return null;
    }

    private static string? ReadBoolean(JsonElement value, int row, double[] column)
    {
        bool? flag = value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Number when value.TryGetDouble(out var n) && n is 0 or 1 => n == 1,
            JsonValueKind.String => value.GetString()?.Trim().ToLowerInvariant() switch
            {
                "true" or "1" => true,
                "false" or "0" => false,
                _ => null,
            },
            _ => null,
        };
        if (flag is null)
        {
            return $"must be true or false, got {Describe(value)}";
        }
        column[row] = flag.Value ? 1 : 0;
        return null;
    }

    // Categories such as zip codes often arrive as numbers; their text is the category.
    private static string? ReadCategory(JsonElement value, int row, string?[] column)
    {
        string? text = value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => null,
        };
        if (text is null)
        {
            return $"must be a string, got {Describe(value)}";
        }
        column[row] = text;
        return null;
    }

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => $"the string \"{Truncate(value.GetString() ?? string.Empty)}\"",
        JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
        _ => Truncate(value.GetRawText()),
    };

    private static string Truncate(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
