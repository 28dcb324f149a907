namespace ModelOps.Core.Data;

/// <summary>
/// What applying a <see cref="CleaningPlan"/> to the kept rows gives, worked out from the first pass's statistics of
/// those rows rather than from the rows: the cleaned schema (ranges, levels, nullability), the constant columns and how
/// many cells the fills and clips change. A fill puts its value where values are missing and a clip moves the values
/// beyond its bounds onto them, so ranges, levels and counts follow from the missing counts, the extremes and the level
/// tallies. How many values a clip moves comes from the quantile sketch the bounds come from: exact while it holds every
/// value of the column, estimated from its sample above (<see cref="ColumnClip.Estimated"/>).
/// </summary>
internal static class CleaningOutcome
{
    /// <param name="schema">The kept rows' columns (the plan's dropped ones included).</param>
    /// <param name="kept">The statistics of column <c>c</c> over the kept rows.</param>
    public static (CleaningReport Report, TableSchema Schema) Of(CleaningPlan plan, TableSchema schema, Func<int, ColumnStats> kept,
        int maxCategories = TableSchema.DefaultMaxCategories)
    {
        var dropped = plan.DroppedColumns.Select(d => d.Column).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var columns = new List<ColumnSchema>();
        var constant = new List<string>();
        var imputed = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var clipped = new Dictionary<string, (int Count, bool Estimated)>(StringComparer.OrdinalIgnoreCase);
        for (var c = 0; c < schema.Columns.Count; c++)
        {
            var column = schema.Columns[c];
            if (dropped.Contains(column.Name))
            {
                continue;
            }
            var stats = kept(c);
            var fill = plan.Imputations.FirstOrDefault(i => string.Equals(i.Column, column.Name, StringComparison.OrdinalIgnoreCase));
            var clip = plan.Clips.FirstOrDefault(i => string.Equals(i.Column, column.Name, StringComparison.OrdinalIgnoreCase));
            var (cleaned, isConstant, filled) = column.Kind.IsString()
                ? Strings(column, stats, fill?.Category, maxCategories)
                : Numbers(column, stats, fill?.Number, clip);
            columns.Add(cleaned);
            if (isConstant) constant.Add(column.Name);
            imputed[column.Name] = filled;
            if (clip is not null) clipped[column.Name] = Clipped(stats, clip);
        }
        var report = new CleaningReport(plan.LabelColumn, (int)plan.RowsIn, (int)plan.RowsKept, plan.MissingLabelRowsDropped, plan.DuplicateRowsDropped,
            plan.Imputations.Select(i => i with { Imputed = imputed.GetValueOrDefault(i.Column) }).ToArray(),
            constant, plan.DroppedColumns,
            plan.Clips.Select(c => c with { Clipped = clipped[c.Column].Count, Estimated = clipped[c.Column].Estimated }).ToArray());
        return (report, new TableSchema(columns));
    }

    /// <summary>A string column: the fill level gains the missing count; levels listed most frequent first, ties in ordinal order.</summary>
    private static (ColumnSchema Column, bool Constant, int Filled) Strings(ColumnSchema column, ColumnStats stats, string? fill, int maxCategories)
    {
        var filled = fill is null ? 0 : (int)stats.Missing;
        var levels = stats.LevelCounts();
        if (filled > 0)
        {
            var at = levels.FindIndex(l => string.Equals(l.Value, fill, StringComparison.Ordinal));
            if (at >= 0) levels[at] = (fill!, levels[at].Count + filled);
            else levels.Add((fill!, filled));
            levels.Sort((a, b) => a.Count != b.Count ? b.Count.CompareTo(a.Count) : string.CompareOrdinal(a.Value, b.Value));
        }
        var missing = stats.Missing > filled;
        var cleaned = column.Kind == ColumnKind.Categorical
            ? new ColumnSchema(column.Name, column.Kind, missing, Categories: levels.Take(maxCategories).Select(l => l.Value).ToArray())
            : new ColumnSchema(column.Name, column.Kind, missing);
        return (cleaned, levels.Count <= 1, filled);
    }

    /// <summary>A numeric, datetime or boolean column: its extremes (infinities included) clamped to the clip's bounds, and the fill value.</summary>
    private static (ColumnSchema Column, bool Constant, int Filled) Numbers(ColumnSchema column, ColumnStats stats, double? fill, ColumnClip? clip)
    {
        var lower = clip?.Lower ?? double.NegativeInfinity;
        var upper = clip?.Upper ?? double.PositiveInfinity;
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        void Include(double value)
        {
            var v = value < lower ? lower : value > upper ? upper : value; // as Cleaner clips
            if (v < min) min = v;
            if (v > max) max = v;
        }
        if (stats.Count > 0)
        {
            Include(stats.Min);
            Include(stats.Max);
        }
        if (stats.PositiveInfinities > 0) Include(double.PositiveInfinity);
        if (stats.NonFinite > stats.PositiveInfinities) Include(double.NegativeInfinity);
        var filled = fill is null ? 0 : (int)stats.Missing;
        if (filled > 0 && !double.IsNaN(fill!.Value))
        {
            // Filled cells are not clipped: the fill lies within the range anyway (a median or a most frequent 0/1).
            if (fill.Value < min) min = fill.Value;
            if (fill.Value > max) max = fill.Value;
        }
        var missing = stats.Missing > 0 && (filled == 0 || double.IsNaN(fill!.Value));
        var ranged = column.Kind is ColumnKind.Numeric or ColumnKind.Datetime && min <= max;
        return (new ColumnSchema(column.Name, column.Kind, missing, ranged ? min : null, ranged ? max : null), !(max > min), filled);
    }

    /// <summary>Values beyond the clip's bounds: the infinities, and the finite ones counted in the sketch's sample.</summary>
    private static (int Count, bool Estimated) Clipped(ColumnStats stats, ColumnClip clip)
    {
        var sample = stats.Sketch!.SortedSample();
        double outside = sample.Count(v => v < clip.Lower || v > clip.Upper);
        var exact = stats.Sketch.IsExact;
        var finite = exact ? outside : Math.Round(outside * stats.Count / sample.Length);
        return ((int)(finite + stats.NonFinite), !exact && outside > 0);
    }
}
