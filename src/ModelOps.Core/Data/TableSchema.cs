namespace ModelOps.Core.Data;

/// <summary>One column of a schema: its name, kind, and what values it held in training.</summary>
/// <param name="Categories">Categorical levels seen, most frequent first; null for other kinds.</param>
public sealed record ColumnSchema(
    string Name,
    ColumnKind Kind,
    bool Nullable = false,
    double? Min = null,
    double? Max = null,
    IReadOnlyList<string>? Categories = null);

/// <summary>The columns of a table, in order.</summary>
public sealed record TableSchema(IReadOnlyList<ColumnSchema> Columns)
{
    /// <summary>How many categorical levels <see cref="Infer"/> keeps per column by default.</summary>
    public const int DefaultMaxCategories = 100;

    /// <summary>
    /// The schema of the table's data, keeping its names and kinds: Nullable when any value is missing, Min/Max of the
    /// present values for numeric columns, and for categorical columns the levels, most frequent first (ties by ordinal
    /// order), at most <paramref name="maxCategories"/>.
    /// </summary>
    public static TableSchema Infer(Table table, int maxCategories = DefaultMaxCategories) =>
        SchemaInference.Infer(table, maxCategories);

    public ColumnSchema? Find(string name) =>
        Columns.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));

    public int IndexOf(string name)
    {
        for (var i = 0; i < Columns.Count; i++)
        {
            if (string.Equals(Columns[i].Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }
        return -1;
    }
}
