using ModelOps.Core.Data;

namespace ModelOps.Core.Tests.Training;

/// <summary>Small generated tables with a learnable label: two numeric features, one categorical, one boolean.</summary>
internal static class SyntheticData
{
    public static readonly string[] Colors = ["red", "green", "blue"];

    /// <summary>Regression: y = 3x1 - 2x2 + colour effect + small noise.</summary>
    public static Table Regression(int rows, int seed = 1) => Build(rows, seed, (x1, x2, color, flag, noise) =>
        (3 * x1) - (2 * x2) + (color == "red" ? 2 : color == "green" ? -1 : 0) + flag + (0.1 * noise), numericLabel: true);

    /// <summary>Binary: "yes" when a linear score plus noise is positive; about half of each.</summary>
    public static Table Binary(int rows, int seed = 1) => Build(rows, seed, (x1, x2, color, flag, noise) =>
        (2 * x1) - x2 + (color == "red" ? 1 : 0) + (0.3 * noise) > 0.5 ? "yes" : "no", numericLabel: false);

    /// <summary>Multiclass: a, b or c by the sign of two scores.</summary>
    public static Table Multiclass(int rows, int seed = 1) => Build(rows, seed, (x1, x2, color, flag, noise) =>
        x1 + (0.2 * noise) > 0.3 ? "a" : x2 + (color == "blue" ? 0.5 : 0) > 0 ? "b" : "c", numericLabel: false);

    private static Table Build(int rows, int seed, Func<double, double, string, double, double, object> label, bool numericLabel)
    {
        var random = new Random(seed);
        var x1 = new double[rows];
        var x2 = new double[rows];
        var color = new string?[rows];
        var flag = new double[rows];
        var numeric = new double[rows];
        var text = new string?[rows];
        for (var i = 0; i < rows; i++)
        {
            x1[i] = (random.NextDouble() * 2) - 1;
            x2[i] = (random.NextDouble() * 2) - 1;
            color[i] = Colors[random.Next(Colors.Length)];
            flag[i] = random.Next(2);
            var noise = Gaussian(random);
            var y = label(x1[i], x2[i], color[i]!, flag[i], noise);
            if (numericLabel)
            {
                numeric[i] = (double)y;
            }
            else
            {
                text[i] = (string)y;
            }
        }
        var schema = new TableSchema(
        [
            new ColumnSchema("x1", ColumnKind.Numeric),
            new ColumnSchema("x2", ColumnKind.Numeric),
            new ColumnSchema("color", ColumnKind.Categorical, Categories: Colors),
            new ColumnSchema("flag", ColumnKind.Boolean),
            new ColumnSchema("target", numericLabel ? ColumnKind.Numeric : ColumnKind.Categorical),
        ]);
        return new Table(schema, [x1, x2, color, flag, numericLabel ? numeric : text]);
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    /// <summary>Splits rows: the first <paramref name="trainShare"/> train, the rest held out (the data is already random).</summary>
    public static (Table Train, Table Test) Split(Table table, double trainShare = 0.7)
    {
        var cut = (int)(table.RowCount * trainShare);
        return (table.SelectRows(Enumerable.Range(0, cut).ToArray()),
                table.SelectRows(Enumerable.Range(cut, table.RowCount - cut).ToArray()));
    }

    /// <summary>A table with one numeric column per name (and the given values).</summary>
    public static Table Numbers(params (string Name, double[] Values)[] columns) =>
        new(new TableSchema(columns.Select(c => new ColumnSchema(c.Name, ColumnKind.Numeric)).ToArray()), columns.Select(c => (object)c.Values).ToArray());
}
