using ModelOps.Core.Data;

namespace ModelOps.Core.Pipelines.Activities;

/// <summary>
/// Finds columns that identify rows rather than describe them (a customer id, an order number): a categorical column
/// whose values are (almost) all different. As a feature it would only let a model memorise rows.
/// </summary>
internal static class IdentifierColumns
{
    private const int MinRows = 50;
    private const double UniqueShare = 0.95;

    /// <summary>The identifier columns of data seen in chunks: <paramref name="distinct"/> counts a column's distinct values.</summary>
    public static IReadOnlyList<string> Find(TableSchema schema, long rows, Func<string, long> distinct, string label)
    {
        if (rows < MinRows)
        {
            return [];
        }
        return schema.Columns
            .Where(c => c.Kind == ColumnKind.Categorical && !string.Equals(c.Name, label, StringComparison.OrdinalIgnoreCase))
            .Where(c => distinct(c.Name) >= UniqueShare * rows)
            .Select(c => c.Name).ToList();
    }
}
