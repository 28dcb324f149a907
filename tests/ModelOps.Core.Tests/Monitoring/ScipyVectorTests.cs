using System.Text.Json;
using ModelOps.Core.Monitoring;

namespace ModelOps.Core.Tests.Monitoring;

/// <summary>Each statistic agrees with scipy to 1e-9 (relative) on the vectors from scripts/drift_vectors.py.</summary>
public sealed class ScipyVectorTests
{
    private static IEnumerable<JsonElement> Cases(string name) => ScipyVectors.Root.GetProperty(name).EnumerateArray();

    [Fact]
    public void Kolmogorov_Smirnov_statistic_and_p_value_match_ks_2samp()
    {
        foreach (var c in Cases("ks"))
        {
            var name = c.GetProperty("name").GetString()!;
            var result = KolmogorovSmirnov.Test(ScipyVectors.Sample(c, "a"), ScipyVectors.Sample(c, "b"));
            ScipyVectors.AssertClose(c.GetProperty("statistic").GetDouble(), result.Statistic, $"ks '{name}' statistic");
            ScipyVectors.AssertClose(c.GetProperty("pvalue").GetDouble(), result.PValue, $"ks '{name}' p-value");
        }
    }

    [Fact]
    public void Kolmogorov_distribution_survival_matches_kstwo_sf_on_every_branch()
    {
        foreach (var c in Cases("kstwo"))
        {
            var n = c.GetProperty("n").GetInt32();
            var d = c.GetProperty("d").GetDouble();
            ScipyVectors.AssertClose(c.GetProperty("sf").GetDouble(), KolmogorovDistribution.Survival(n, d), $"kstwo.sf({d}, {n})");
        }
    }

    [Fact]
    public void One_sided_survival_matches_scipy_special_smirnov()
    {
        foreach (var c in Cases("smirnov"))
        {
            var n = c.GetProperty("n").GetInt32();
            var d = c.GetProperty("d").GetDouble();
            ScipyVectors.AssertClose(c.GetProperty("sf").GetDouble(), SmirnovDistribution.Survival(n, d), $"smirnov({n}, {d})");
        }
    }

    [Fact]
    public void Wasserstein_distance_matches_scipy()
    {
        foreach (var c in Cases("wasserstein"))
        {
            var name = c.GetProperty("name").GetString()!;
            var distance = Wasserstein.Distance(ScipyVectors.Sample(c, "u"), ScipyVectors.Sample(c, "v"));
            ScipyVectors.AssertClose(c.GetProperty("distance").GetDouble(), distance, $"wasserstein '{name}'");
        }
    }

    [Fact]
    public void Chi_squared_matches_chisquare()
    {
        foreach (var c in Cases("chisquare"))
        {
            var result = ChiSquared.Test(ScipyVectors.Doubles(c.GetProperty("observed")), ScipyVectors.Doubles(c.GetProperty("expected")));
            ScipyVectors.AssertClose(c.GetProperty("statistic").GetDouble(), result.Statistic, "chisquare statistic");
            ScipyVectors.AssertClose(c.GetProperty("pvalue").GetDouble(), result.PValue, "chisquare p-value");
        }
    }

    [Fact]
    public void Categorical_drift_builds_the_same_counts_and_chi_squared_as_the_script()
    {
        var detector = new DriftDetector(new DriftOptions());
        foreach (var c in Cases("chisquareDrift"))
        {
            var name = c.GetProperty("name").GetString()!;
            var reference = CategoricalBaseline.FromCounts("f", Counts(c.GetProperty("reference")).Select(kv => KeyValuePair.Create(kv.Key, (long)kv.Value)), 0);
            var current = Counts(c.GetProperty("current"));
            var window = new CategoricalWindow(current, 0, current.Values.Sum());

            var drift = detector.Categorical(reference, window);

            Assert.Equal(DriftMethod.ChiSquared, drift.Method);
            ScipyVectors.AssertClose(c.GetProperty("statistic").GetDouble(), drift.Statistic, $"'{name}' statistic");
            ScipyVectors.AssertClose(c.GetProperty("pvalue").GetDouble(), drift.PValue!.Value, $"'{name}' p-value");
        }
    }

    [Fact]
    public void Jensen_Shannon_distance_matches_scipy_in_base_e_and_base_2()
    {
        foreach (var c in Cases("jensenshannon"))
        {
            var p = ScipyVectors.Doubles(c.GetProperty("p"));
            var q = ScipyVectors.Doubles(c.GetProperty("q"));
            ScipyVectors.AssertClose(c.GetProperty("distance").GetDouble(), JensenShannon.Distance(p, q), "jensenshannon");
            ScipyVectors.AssertClose(c.GetProperty("distance2").GetDouble(), JensenShannon.Distance(p, q, 2), "jensenshannon base 2");
        }
    }

    [Fact]
    public void Benjamini_Hochberg_adjusted_p_values_match_fdr_bh()
    {
        foreach (var c in Cases("benjaminiHochberg"))
        {
            var adjusted = BenjaminiHochberg.Adjust(ScipyVectors.Doubles(c.GetProperty("p")));
            var expected = ScipyVectors.Doubles(c.GetProperty("adjusted"));
            for (var i = 0; i < expected.Length; i++)
            {
                ScipyVectors.AssertClose(expected[i], adjusted[i], $"adjusted p[{i}]");
            }
        }
    }

    [Fact]
    public void Latency_percentiles_match_numpy_linear_interpolation()
    {
        foreach (var c in Cases("percentile"))
        {
            var report = LatencyCheck.Evaluate(ScipyVectors.Doubles(c.GetProperty("values")), sloP95Ms: 1e9);
            ScipyVectors.AssertClose(c.GetProperty("p50").GetDouble(), report.P50, "p50");
            ScipyVectors.AssertClose(c.GetProperty("p95").GetDouble(), report.P95, "p95");
            ScipyVectors.AssertClose(c.GetProperty("p99").GetDouble(), report.P99, "p99");
        }
    }

    private static Dictionary<string, int> Counts(JsonElement obj) =>
        obj.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32(), StringComparer.Ordinal);
}
