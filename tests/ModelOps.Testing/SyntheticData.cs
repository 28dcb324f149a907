using System.Globalization;
using System.Text;

namespace ModelOps.Testing;

/// <summary>
/// Small, learnable, real-looking CSV datasets for tests, one per task. Deterministic for a seed. Each has exactly the
/// requested number of data rows (after a header row), comma-delimited with <c>\n</c> line ends, about 2% missing
/// cells in two feature columns (written as empty fields), and about 1% rows that are exact copies of an earlier row.
/// The label column is never missing.
/// </summary>
public static class SyntheticData
{
    /// <summary>Label of <see cref="Binary"/>: "yes" or "no".</summary>
    public const string BinaryLabel = "churned";

    /// <summary>Label of <see cref="Regression"/>: a price in thousands.</summary>
    public const string RegressionLabel = "price";

    /// <summary>Label of <see cref="Multiclass"/>: "setosa", "versicolor" or "virginica".</summary>
    public const string MulticlassLabel = "species";

    public static readonly IReadOnlyList<string> BinaryColumns =
        ["tenure_months", "monthly_charges", "contract", "payment_method", "support_calls", "has_partner", BinaryLabel];

    public static readonly IReadOnlyList<string> RegressionColumns =
        ["area_sqm", "rooms", "age_years", "neighborhood", "has_garage", RegressionLabel];

    public static readonly IReadOnlyList<string> MulticlassColumns =
        ["sepal_length", "sepal_width", "petal_length", "petal_width", "habitat", MulticlassLabel];

    private static readonly string[] Contracts = ["month-to-month", "one-year", "two-year"];
    private static readonly string[] PaymentMethods = ["card", "bank transfer", "electronic check", "mailed check"];
    private static readonly string[] Neighborhoods = ["center", "riverside", "suburbs", "old town"];
    private static readonly string[] Habitats = ["meadow", "forest", "shore"];
    private static readonly string[] Species = ["setosa", "versicolor", "virginica"];

    /// <summary>Customer churn: tenure, charges, contract and support calls drive <c>churned</c> (yes/no).</summary>
    public static string Binary(int rows, int seed = 1) => Generate(BinaryColumns, rows, seed, missingIn: [1, 3], random =>
    {
        var tenure = random.Next(1, 73);
        var charges = Math.Round(20 + random.NextDouble() * 100, 2);
        var contract = random.Next(Contracts.Length);
        var payment = random.Next(PaymentMethods.Length);
        var calls = Poisson(random, 1.5);
        var partner = random.NextDouble() < 0.5;
        var logit = 1.0 - 0.06 * tenure + 0.025 * (charges - 70) - 1.2 * contract + 0.6 * calls + (payment == 2 ? 0.7 : 0) - (partner ? 0.4 : 0);
        var churned = random.NextDouble() < 1 / (1 + Math.Exp(-logit));
        return [Int(tenure), Num(charges), Contracts[contract], PaymentMethods[payment], Int(calls), partner ? "yes" : "no", churned ? "yes" : "no"];
    });

    /// <summary>House prices: area, rooms, age, neighborhood and a garage drive <c>price</c> (thousands).</summary>
    public static string Regression(int rows, int seed = 1) => Generate(RegressionColumns, rows, seed, missingIn: [2, 3], random =>
    {
        var area = Math.Round(35 + random.NextDouble() * 165, 1);
        var rooms = Math.Clamp((int)Math.Round(area / 30 + random.NextDouble()), 1, 8);
        var age = random.Next(0, 101);
        var neighborhood = random.Next(Neighborhoods.Length);
        var garage = random.NextDouble() < 0.4;
        var price = 50 + 2.4 * area + 8 * rooms - 0.6 * age + neighborhood switch { 0 => 90, 1 => 60, 2 => 20, _ => 40 }
            + (garage ? 15 : 0) + Normal(random) * 15;
        return [Num(area), Int(rooms), Int(age), Neighborhoods[neighborhood], garage ? "true" : "false", Num(Math.Round(price, 1))];
    });

    /// <summary>Iris-like flowers: petal and sepal sizes separate the three <c>species</c>; habitat is weak noise.</summary>
    public static string Multiclass(int rows, int seed = 1) => Generate(MulticlassColumns, rows, seed, missingIn: [1, 4], random =>
    {
        var species = random.Next(Species.Length);
        double Around(double mean, double sd) => Math.Round(Math.Max(0.1, mean + Normal(random) * sd), 1);
        var (sl, sw, pl, pw) = species switch
        {
            0 => (Around(5.0, 0.35), Around(3.4, 0.38), Around(1.5, 0.17), Around(0.25, 0.1)),
            1 => (Around(5.9, 0.5), Around(2.8, 0.31), Around(4.3, 0.47), Around(1.3, 0.2)),
            _ => (Around(6.6, 0.63), Around(3.0, 0.32), Around(5.6, 0.55), Around(2.0, 0.27)),
        };
        var habitat = random.NextDouble() < 0.5 ? Habitats[species] : Habitats[random.Next(Habitats.Length)];
        return [Num(sl), Num(sw), Num(pl), Num(pw), habitat, Species[species]];
    });

    /// <summary>The CSV as UTF-8 bytes without a byte-order mark.</summary>
    public static byte[] Utf8(string csv) => new UTF8Encoding(false).GetBytes(csv);

    private static string Generate(IReadOnlyList<string> columns, int rows, int seed, int[] missingIn, Func<Random, string[]> row)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        var random = new Random(seed);
        var written = new List<string>(rows);
        var text = new StringBuilder().Append(string.Join(',', columns)).Append('\n');
        for (var i = 0; i < rows; i++)
        {
            string line;
            if (written.Count >= 10 && random.NextDouble() < 0.01)
            {
                line = written[random.Next(written.Count)];
            }
            else
            {
                var fields = row(random);
                foreach (var c in missingIn)
                {
                    if (random.NextDouble() < 0.02)
                    {
                        fields[c] = "";
                    }
                }
                line = string.Join(',', fields);
            }
            written.Add(line);
            text.Append(line).Append('\n');
        }
        return text.ToString();
    }

    private static int Poisson(Random random, double mean)
    {
        var limit = Math.Exp(-mean);
        var k = 0;
        for (var p = random.NextDouble(); p > limit; p *= random.NextDouble())
        {
            k++;
        }
        return k;
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Num(double value) => value.ToString(CultureInfo.InvariantCulture);
}
