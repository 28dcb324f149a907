namespace ModelOps.Core.Monitoring;

/// <summary>Population stability index: Σ (r - c)·ln(r / c) over bins of reference and current proportions.</summary>
internal static class PopulationStability
{
    /// <summary>
    /// PSI of two proportion vectors over the same bins. An empty bin on either side would make the log infinite, so its
    /// proportion is replaced by <paramref name="epsilon"/> (Evidently's 0.0001 by default) for that bin's term only.
    /// </summary>
    public static double Index(ReadOnlySpan<double> reference, ReadOnlySpan<double> current, double epsilon = DriftOptions.DefaultPsiEpsilon)
    {
        if (reference.Length != current.Length)
        {
            throw new ArgumentException("Both distributions need the same bins.");
        }
        var psi = 0.0;
        for (var i = 0; i < reference.Length; i++)
        {
            var r = reference[i] == 0 ? epsilon : reference[i];
            var c = current[i] == 0 ? epsilon : current[i];
            psi += (r - c) * Math.Log(r / c);
        }
        return psi;
    }

    /// <summary>Share of an ascending sample in each bin [edge_k, edge_{k+1}), the outer bins open to ±∞.</summary>
    public static double[] BinProportionsSorted(ReadOnlySpan<double> sorted, ReadOnlySpan<double> interiorEdges)
    {
        var proportions = new double[interiorEdges.Length + 1];
        if (sorted.Length == 0)
        {
            return proportions;
        }
        var previous = 0;
        for (var k = 0; k < interiorEdges.Length; k++)
        {
            var below = LowerBound(sorted, interiorEdges[k]);
            proportions[k] = (double)(below - previous) / sorted.Length;
            previous = below;
        }
        proportions[^1] = (double)(sorted.Length - previous) / sorted.Length;
        return proportions;
    }

    /// <summary>Equal-width interior edges over [min, max]; none when the range is empty (one bin holds everything).</summary>
    public static double[] EqualWidthEdges(double min, double max, int bins)
    {
        if (!(max > min) || bins < 2)
        {
            return [];
        }
        var edges = new double[bins - 1];
        var width = (max - min) / bins;
        for (var k = 1; k < bins; k++)
        {
            edges[k - 1] = min + k * width;
        }
        return edges;
    }

    /// <summary>How a PSI value compares with the warning and alarm levels.</summary>
    public static PsiLevel Level(double psi, DriftOptions options) =>
        double.IsNaN(psi) ? PsiLevel.Stable : psi >= options.PsiAlarm ? PsiLevel.Alarm : psi >= options.PsiWarning ? PsiLevel.Warning : PsiLevel.Stable;

    /// <summary>The number of values strictly below <paramref name="value"/>.</summary>
    internal static int LowerBound(ReadOnlySpan<double> sorted, double value)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (sorted[mid] < value)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        return lo;
    }

    /// <summary>The number of values at or below <paramref name="value"/>.</summary>
    internal static int UpperBound(ReadOnlySpan<double> sorted, double value)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (sorted[mid] <= value)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        return lo;
    }
}
