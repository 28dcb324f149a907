using ModelOps.Core.Data;

namespace ModelOps.Core.Pipelines.Activities;

/// <summary>Row-wise operations on tables that the pipeline needs: joining files, splitting off held-out rows.</summary>
internal static class TableRows
{
    /// <summary>Stacks tables with the same columns, in order.</summary>
    public static Table Concat(IReadOnlyList<Table> tables)
    {
        if (tables.Count == 1)
        {
            return tables[0];
        }
        var schema = tables[0].Schema;
        foreach (var other in tables.Skip(1))
        {
            var expected = string.Join(", ", schema.Columns.Select(c => c.Name));
            var actual = string.Join(", ", other.Schema.Columns.Select(c => c.Name));
            if (!string.Equals(expected, actual, StringComparison.OrdinalIgnoreCase))
            {
                throw new PipelineFailedException($"The model's data files have different columns: [{expected}] and [{actual}]. Every file of a model must have the same header.");
            }
        }
        var columns = new object[schema.Columns.Count];
        for (var c = 0; c < columns.Length; c++)
        {
            columns[c] = schema.Columns[c].Kind == ColumnKind.Categorical
                ? tables.SelectMany(t => t.Categorical(c)).ToArray()
                : tables.SelectMany(t => t.Numeric(c)).ToArray();
        }
        return new Table(schema, columns);
    }

    /// <summary>
    /// Splits rows into training and held-out sets, deterministically for a seed. Classification splits each class
    /// separately, so rare classes are represented in both.
    /// </summary>
    public static (int[] Train, int[] Holdout) Split(Table table, int labelColumn, bool stratify, double holdoutFraction, int seed)
    {
        var random = new Random(seed);
        var groups = stratify
            ? Enumerable.Range(0, table.RowCount).GroupBy(r => Key(table, labelColumn, r)).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => g.ToArray())
            : [Enumerable.Range(0, table.RowCount).ToArray()];
        var train = new List<int>();
        var holdout = new List<int>();
        foreach (var group in groups)
        {
            random.Shuffle(group);
            var take = group.Length < 2 ? 0 : Math.Max(1, (int)Math.Round(group.Length * holdoutFraction));
            holdout.AddRange(group.Take(take));
            train.AddRange(group.Skip(take));
        }
        train.Sort();
        holdout.Sort();
        return ([.. train], [.. holdout]);
    }

    private static string Key(Table table, int column, int row) =>
        table.Schema.Columns[column].Kind == ColumnKind.Categorical
            ? table.Categorical(column)[row] ?? ""
            : table.Numeric(column)[row].ToString(System.Globalization.CultureInfo.InvariantCulture);
}
