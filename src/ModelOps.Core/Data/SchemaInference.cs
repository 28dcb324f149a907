namespace ModelOps.Core.Data;

/// <summary>Derives a <see cref="TableSchema"/> from the values in a table.</summary>
internal static class SchemaInference
{
    public static TableSchema Infer(Table table, int maxCategories)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentOutOfRangeException.ThrowIfNegative(maxCategories);
        var columns = new ColumnSchema[table.ColumnCount];
        for (var c = 0; c < columns.Length; c++)
        {
            var source = table.Schema.Columns[c];
            columns[c] = source.Kind == ColumnKind.Categorical
                ? InferCategorical(source, table.Categorical(c), maxCategories)
                : InferNumeric(source, table.Numeric(c));
        }
        return new TableSchema(columns);
    }

    private static ColumnSchema InferNumeric(ColumnSchema source, double[] values)
    {
        var nullable = false;
        var min = double.PositiveInfinity;
        var max = double.NegativeInfinity;
        foreach (var v in values)
        {
            if (double.IsNaN(v))
            {
                nullable = true;
                continue;
            }
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }
        var any = min <= max;
        return new ColumnSchema(source.Name, source.Kind, nullable,
            source.Kind == ColumnKind.Numeric && any ? min : null,
            source.Kind == ColumnKind.Numeric && any ? max : null);
    }

    private static ColumnSchema InferCategorical(ColumnSchema source, string?[] values, int maxCategories)
    {
        var levels = CountLevels(values, out var nullable);
        return new ColumnSchema(source.Name, ColumnKind.Categorical, nullable,
            Categories: levels.Take(maxCategories).Select(l => l.Value).ToArray());
    }

    /// <summary>Distinct non-missing values with their counts, most frequent first, ties in ordinal order.</summary>
    public static List<(string Value, int Count)> CountLevels(string?[] values, out bool anyMissing)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        anyMissing = false;
        foreach (var v in values)
        {
            if (v is null)
            {
                anyMissing = true;
                continue;
            }
            counts[v] = counts.GetValueOrDefault(v) + 1;
        }
        var levels = counts.Select(kv => (kv.Key, kv.Value)).ToList();
        levels.Sort((a, b) => a.Value != b.Value ? b.Value.CompareTo(a.Value) : string.CompareOrdinal(a.Key, b.Key));
        return levels;
    }
}
