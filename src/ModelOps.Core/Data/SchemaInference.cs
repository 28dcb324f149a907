namespace ModelOps.Core.Data;

/// <summary>Derives a <see cref="TableSchema"/> from the values in a table.</summary>
internal static class SchemaInference
{
    public static TableSchema Infer(Table table, int maxCategories)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentOutOfRangeException.ThrowIfNegative(maxCategories);
        var columns = new ColumnSchema[table.ColumnCount];
        var parallel = (long)table.RowCount * table.ColumnCount > 1_000_000 ? Environment.ProcessorCount : 1;
        Parallel.For(0, columns.Length, new ParallelOptions { MaxDegreeOfParallelism = parallel }, c =>
        {
            var source = table.Schema.Columns[c];
            columns[c] = source.Kind switch
            {
                ColumnKind.Categorical => InferCategorical(source, table.Categorical(c), maxCategories),
                ColumnKind.Text => new ColumnSchema(source.Name, ColumnKind.Text, Array.IndexOf(table.Categorical(c), null) >= 0),
                _ => InferNumeric(source, table.Numeric(c)),
            };
        });
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
        var ranged = source.Kind is ColumnKind.Numeric or ColumnKind.Datetime && any;
        return new ColumnSchema(source.Name, source.Kind, nullable, ranged ? min : null, ranged ? max : null);
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
        // Readers pool repeated strings, so counting by reference first is cheap; equal strings that are different
        // objects are merged afterwards.
        var byReference = new Dictionary<string, int>(ReferenceEqualityComparer.Instance);
        anyMissing = false;
        foreach (var v in values)
        {
            if (v is null)
            {
                anyMissing = true;
                continue;
            }
            ref var count = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(byReference, v, out _);
            count++;
        }
        var counts = new Dictionary<string, int>(byReference.Count, StringComparer.Ordinal);
        foreach (var (value, count) in byReference)
        {
            counts[value] = counts.GetValueOrDefault(value) + count;
        }
        var levels = counts.Select(kv => (kv.Key, kv.Value)).ToList();
        levels.Sort((a, b) => a.Value != b.Value ? b.Value.CompareTo(a.Value) : string.CompareOrdinal(a.Key, b.Key));
        return levels;
    }
}
