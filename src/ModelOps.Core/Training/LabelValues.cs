using System.Globalization;
using ModelOps.Core.Data;

namespace ModelOps.Core.Training;

/// <summary>
/// Label values as text, the one form shared by every column kind, so that classes, the positive class
/// and predictions compare the same way whether the label was categorical, boolean or numeric.
/// </summary>
internal static class LabelValues
{
    private static readonly HashSet<string> PositiveLooking =
        new(["true", "yes", "y", "t", "1", "positive", "pos"], StringComparer.OrdinalIgnoreCase);

    /// <summary>The label of one row as text; null when missing.</summary>
    public static string? Text(ColumnKind kind, object column, int row) => kind switch
    {
        ColumnKind.Categorical => ((string?[])column)[row],
        ColumnKind.Boolean => double.IsNaN(((double[])column)[row]) ? null : ((double[])column)[row] != 0 ? "true" : "false",
        _ => double.IsNaN(((double[])column)[row]) ? null : Format(((double[])column)[row]),
    };

    public static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Distinct non-missing labels, sorted: numerically for numeric labels, ordinally otherwise.</summary>
    public static IReadOnlyList<string> Distinct(Table table, int column)
    {
        var kind = table.Schema.Columns[column].Kind;
        if (kind == ColumnKind.Categorical)
        {
            return table.Categorical(column).Where(v => v is not null).Select(v => v!).Distinct(StringComparer.Ordinal)
                .Order(StringComparer.Ordinal).ToArray();
        }
        var distinct = table.Numeric(column).Where(v => !double.IsNaN(v)).Distinct().Order().ToArray();
        return kind == ColumnKind.Boolean
            ? distinct.Select(v => v != 0 ? "true" : "false").Distinct().Order(StringComparer.Ordinal).ToArray()
            : distinct.Select(Format).ToArray();
    }

    /// <summary>The level that reads as "positive" (true, yes, 1...), else the second level in sorted order.</summary>
    public static string PositiveOf(IReadOnlyList<string> twoLevels)
    {
        var looking = twoLevels.Where(PositiveLooking.Contains).ToArray();
        return looking.Length == 1 ? looking[0] : twoLevels[1];
    }
}
