using ModelOps.Core.Data;

namespace ModelOps.Core.Monitoring;

/// <summary>
/// The two-sample Kolmogorov-Smirnov test, two-sided, with the numbers of <c>scipy.stats.ks_2samp(a, b)</c>
/// (method 'auto', scipy 1.10): the exact distribution when both samples have at most 10,000 values, otherwise the
/// one-sample Kolmogorov distribution at n = round(n1·n2/(n1+n2)).
/// </summary>
internal static class KolmogorovSmirnov
{
    /// <summary>scipy's MAX_AUTO_N: above this the exact path is not tried.</summary>
    public const int MaxExactSampleSize = 10_000;

    /// <summary>The test on unsorted samples without NaN; copies and sorts them.</summary>
    public static TestResult Test(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        var sa = a.ToArray();
        var sb = b.ToArray();
        RadixSort.Sort(sa);
        RadixSort.Sort(sb);
        return TestSorted(sa, sb);
    }

    /// <summary>The test on two ascending samples without NaN.</summary>
    public static TestResult TestSorted(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        if (a.Length == 0 || b.Length == 0)
        {
            throw new ArgumentException("Both samples need at least one value.");
        }
        var d = StatisticSorted(a, b);
        return WithPValue(d, a.Length, b.Length);
    }

    /// <summary>
    /// The largest gap between the two empirical CDFs, by one merge pass. Each gap is computed as
    /// <c>i/n1 - j/n2</c> like scipy does, so the statistic is bit-for-bit the same.
    /// </summary>
    public static double StatisticSorted(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        int n1 = a.Length, n2 = b.Length;
        double n1d = n1, n2d = n2;
        int i = 0, j = 0;
        var max = double.NegativeInfinity;
        var min = double.PositiveInfinity;
        while (i < n1 || j < n2)
        {
            var v = j >= n2 || (i < n1 && a[i] <= b[j]) ? a[i] : b[j];
            while (i < n1 && a[i] <= v)
            {
                i++;
            }
            while (j < n2 && b[j] <= v)
            {
                j++;
            }
            var diff = i / n1d - j / n2d;
            if (diff > max)
            {
                max = diff;
            }
            if (diff < min)
            {
                min = diff;
            }
        }
        var minS = Math.Clamp(-min, 0.0, 1.0);
        return minS > max ? minS : max;
    }

    /// <summary>scipy's p-value for statistic <paramref name="d"/>; on the exact path the statistic is rounded to h/lcm as scipy returns it.</summary>
    public static TestResult WithPValue(double d, int n1, int n2)
    {
        if (Math.Max(n1, n2) <= MaxExactSampleSize && TryExact(n1, n2, d, out var exactD, out var exactP))
        {
            return new TestResult(exactD, Math.Clamp(exactP, 0.0, 1.0));
        }
        double m = Math.Max(n1, n2), n = Math.Min(n1, n2);
        var en = m * n / (m + n);
        var p = KolmogorovDistribution.Survival((int)Math.Round(en, MidpointRounding.ToEven), d);
        return new TestResult(d, Math.Clamp(p, 0.0, 1.0));
    }

    private static bool TryExact(int n1, int n2, double d, out double roundedD, out double p)
    {
        var g = Gcd(n1, n2);
        var lcm = (long)(n1 / g) * n2;
        var h = (long)Math.Round(d * lcm, MidpointRounding.ToEven);
        roundedD = h * 1.0 / lcm;
        if (h == 0)
        {
            p = 1.0;
            return true;
        }
        p = n1 == n2 ? ProbabilityOutsideSquare(n1, h) : OuterProbabilityInside(n1, n2, g, h);
        // scipy falls back to the asymptotic formula when the exact recursion leaves [0, 1] or overflows.
        return double.IsFinite(p) && p >= 0 && p <= 1;
    }

    /// <summary>Pr(D_{n,n} ≥ h/n) by the Horner-like alternating sum scipy uses for equal sample sizes.</summary>
    private static double ProbabilityOutsideSquare(int n, long h)
    {
        var p = 0.0;
        var k = (long)Math.Floor((double)n / h);
        while (k >= 0)
        {
            var p1 = 1.0;
            for (long j = 0; j < h; j++)
            {
                p1 = (n - k * h - j) * p1 / (n + k * h + j + 1);
            }
            p = p1 * (1.0 - p);
            k--;
        }
        return 2 * p;
    }

    /// <summary>
    /// 1 - (share of lattice paths staying strictly inside |x/m - y/n| &lt; h/lcm), Hodges' inside method with
    /// Viehmann's recursion for 1-p, one sliding column at a time (scipy's _compute_outer_prob_inside_method).
    /// </summary>
    private static double OuterProbabilityInside(long m, long n, long g, long h)
    {
        if (m < n)
        {
            (m, n) = (n, m);
        }
        var mg = m / g;
        var ng = n / g;
        long minj = 0;
        var maxj = Math.Min((long)Math.Ceiling((double)h / mg), n + 1);
        var curlen = maxj - minj;
        var lenA = (int)Math.Min(2 * maxj + 2, n + 1);
        var a = new double[lenA];
        Array.Fill(a, 1.0);
        Array.Clear(a, (int)minj, (int)(maxj - minj));
        for (long i = 1; i <= m; i++)
        {
            var lastminj = minj;
            var lastlen = curlen;
            minj = Math.Max((long)Math.Floor((double)(ng * i - h) / mg) + 1, 0);
            minj = Math.Min(minj, n);
            maxj = Math.Min((long)Math.Ceiling((double)(ng * i + h) / mg), n + 1);
            if (maxj <= minj)
            {
                return 1.0;
            }
            var val = minj == 0 ? 0.0 : 1.0;
            for (long jj = 0; jj < maxj - minj; jj++)
            {
                var j = jj + minj;
                val = (a[jj + minj - lastminj] * i + val * j) / (i + j);
                a[jj] = val;
            }
            curlen = maxj - minj;
            if (lastlen > curlen)
            {
                var start = (int)(maxj - minj);
                var end = (int)Math.Min(start + (lastlen - curlen), lenA);
                for (var k = start; k < end; k++)
                {
                    a[k] = 1.0;
                }
            }
        }
        return a[maxj - minj - 1];
    }

    private static int Gcd(int a, int b)
    {
        while (b != 0)
        {
            (a, b) = (b, a % b);
        }
        return a;
    }
}
