namespace ModelOps.Core.Monitoring;

/// <summary>The Jensen-Shannon distance (square root of the divergence), as <c>scipy.spatial.distance.jensenshannon(p, q, base)</c>.</summary>
internal static class JensenShannon
{
    /// <summary>
    /// The distance between two weight vectors over the same categories; each is normalised to sum 1 first.
    /// Natural log by default; base 2 bounds the distance by 1.
    /// </summary>
    public static double Distance(ReadOnlySpan<double> p, ReadOnlySpan<double> q, double logBase = Math.E)
    {
        if (p.Length != q.Length)
        {
            throw new ArgumentException("Both distributions need the same categories.");
        }
        double sp = 0, sq = 0;
        for (var i = 0; i < p.Length; i++)
        {
            sp += p[i];
            sq += q[i];
        }
        double left = 0, right = 0;
        for (var i = 0; i < p.Length; i++)
        {
            var pi = p[i] / sp;
            var qi = q[i] / sq;
            var m = (pi + qi) / 2.0;
            left += RelativeEntropy(pi, m);
            right += RelativeEntropy(qi, m);
        }
        var js = left + right;
        if (logBase != Math.E)
        {
            js /= Math.Log(logBase);
        }
        return Math.Sqrt(js / 2.0);
    }

    // scipy.special.rel_entr: x·log(x/y), 0 at x = 0, +∞ where y = 0 < x.
    private static double RelativeEntropy(double x, double y) =>
        x > 0 && y > 0 ? x * Math.Log(x / y) : x == 0 && y >= 0 ? 0.0 : double.PositiveInfinity;
}
