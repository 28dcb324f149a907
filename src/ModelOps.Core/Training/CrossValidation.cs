using ModelOps.Core.Data;

namespace ModelOps.Core.Training;

/// <summary>Splits rows into k folds: stratified by label for classification, shuffled with a seed either way.</summary>
internal static class CrossValidation
{
    public const int DefaultFolds = 3;

    /// <summary>For each fold, the rows to train on and the rows to score.</summary>
    public static IReadOnlyList<(int[] Train, int[] Test)> Folds(Table table, TrainingProblem problem, int folds, int seed)
    {
        if (folds < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(folds), folds, "Cross-validation needs at least 2 folds.");
        }
        if (table.RowCount < folds)
        {
            throw new TrainingProblemException($"{table.RowCount} rows are too few for {folds}-fold cross-validation.");
        }

        var strata = problem.Task == LearningTask.Regression
            ? [Enumerable.Range(0, table.RowCount).ToArray()]
            : Strata(table, problem.Label);

        // Deal each shuffled stratum round-robin, carrying on where the last one stopped, so folds differ in size by at most one row.
        var fold = new int[table.RowCount];
        var next = 0;
        var random = new SplitMix64(seed, -1);
        foreach (var stratum in strata)
        {
            Shuffle(stratum, ref random);
            foreach (var row in stratum)
            {
                fold[row] = next++ % folds;
            }
        }
        return Enumerable.Range(0, folds)
            .Select(k => (
                Enumerable.Range(0, table.RowCount).Where(r => fold[r] != k).ToArray(),
                Enumerable.Range(0, table.RowCount).Where(r => fold[r] == k).ToArray()))
            .ToArray();
    }

    private static int[][] Strata(Table table, string label)
    {
        var index = table.Schema.IndexOf(label);
        var kind = table.Schema.Columns[index].Kind;
        var column = table.Column(index);
        return Enumerable.Range(0, table.RowCount)
            .GroupBy(r => LabelValues.Text(kind, column, r) ?? string.Empty, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => g.ToArray())
            .ToArray();
    }

    private static void Shuffle(int[] rows, ref SplitMix64 random)
    {
        for (var i = rows.Length - 1; i > 0; i--)
        {
            var j = (int)(random.NextDouble() * (i + 1));
            (rows[i], rows[j]) = (rows[j], rows[i]);
        }
    }
}
