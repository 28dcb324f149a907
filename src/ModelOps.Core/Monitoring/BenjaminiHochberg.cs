namespace ModelOps.Core.Monitoring;

/// <summary>
/// Benjamini-Hochberg false discovery rate adjustment: adjusted p_(i) = min over j ≥ i of p_(j)·m/j, capped at 1
/// (the step-up values of statsmodels' <c>multipletests(method='fdr_bh')</c> and scipy ≥ 1.11's <c>false_discovery_control</c>).
/// </summary>
internal static class BenjaminiHochberg
{
    /// <summary>The adjusted p-values, in the order given. NaN p-values stay NaN and do not count towards m.</summary>
    public static double[] Adjust(ReadOnlySpan<double> pValues)
    {
        var adjusted = new double[pValues.Length];
        Array.Fill(adjusted, double.NaN);
        var order = new List<int>(pValues.Length);
        for (var i = 0; i < pValues.Length; i++)
        {
            if (!double.IsNaN(pValues[i]))
            {
                order.Add(i);
            }
        }
        var p = pValues.ToArray();
        // Stable by index so ties keep their order; the adjusted values of ties come out equal either way.
        order.Sort((a, b) => p[a] != p[b] ? p[a].CompareTo(p[b]) : a.CompareTo(b));
        var m = order.Count;
        var running = 1.0;
        for (var rank = m; rank >= 1; rank--)
        {
            var index = order[rank - 1];
            var value = p[index] * m / rank;
            running = Math.Min(running, value);
            adjusted[index] = running;
        }
        return adjusted;
    }
}
