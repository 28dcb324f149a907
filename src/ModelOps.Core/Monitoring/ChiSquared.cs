namespace ModelOps.Core.Monitoring;

/// <summary>Pearson's chi-squared goodness-of-fit test, as <c>scipy.stats.chisquare(f_obs, f_exp)</c>.</summary>
internal static class ChiSquared
{
    /// <summary>
    /// Σ (o - e)²/e with k - 1 degrees of freedom. An expected count of zero against a positive observed count gives an
    /// infinite statistic and p = 0, as scipy does; a single category (no degrees of freedom) gives p = NaN.
    /// </summary>
    public static TestResult Test(ReadOnlySpan<double> observed, ReadOnlySpan<double> expected)
    {
        if (observed.Length != expected.Length)
        {
            throw new ArgumentException("Observed and expected counts need the same categories.");
        }
        var statistic = 0.0;
        for (var i = 0; i < observed.Length; i++)
        {
            var diff = observed[i] - expected[i];
            statistic += diff * diff / expected[i];
        }
        var df = observed.Length - 1;
        var p = df <= 0 ? double.NaN : Survival(statistic, df);
        return new TestResult(statistic, p);
    }

    /// <summary>Pr(χ²_df ≥ x).</summary>
    public static double Survival(double x, int df) =>
        double.IsNaN(x) ? double.NaN : x <= 0 ? 1.0 : GammaFunctions.UpperRegularized(df / 2.0, x / 2.0);
}
