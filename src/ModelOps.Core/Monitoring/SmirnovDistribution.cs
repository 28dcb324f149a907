namespace ModelOps.Core.Monitoring;

/// <summary>
/// Survival function of the one-sided Kolmogorov-Smirnov statistic D_n+ (scipy's <c>scipy.special.smirnov(n, d)</c>),
/// by the Smirnov/Birnbaum-Tingey sum. scipy sums in double-double; here each term is formed in log space, which keeps
/// the relative error near 1e-12 for the sample sizes a monitor sees, well inside the 1e-9 the tests demand.
/// </summary>
internal static class SmirnovDistribution
{
    // cephes MINLOG: log(2^-1075); below it the survival underflows.
    private const double MinLog = -7.451332191019412076235e2;
    private const int MaxComputeN = 1_000_000;
    private const double DoubleEpsilon = 2.220446049250313e-16; // C's DBL_EPSILON, not .NET's double.Epsilon

    /// <summary>Pr(D_n+ ≥ x).</summary>
    public static double Survival(int n, double x)
    {
        if (!(n > 0 && x >= 0.0 && x <= 1.0))
        {
            return double.NaN;
        }
        if (n == 1)
        {
            return 1 - x;
        }
        if (x == 0.0)
        {
            return 1.0;
        }
        if (x == 1.0)
        {
            return 0.0;
        }

        // floor(n·x) and its remainder exactly: n·x = hi + lo with lo from a fused multiply-add.
        var hi = n * x;
        var lo = Math.FusedMultiplyAdd(n, x, -hi);
        var floorHi = Math.Floor(hi);
        var alpha = (hi - floorHi) + lo;
        var nxfl = (int)floorHi;
        if (alpha < 0)
        {
            nxfl -= 1;
            alpha += 1;
        }
        if (alpha >= 1)
        {
            nxfl += 1;
            alpha = 0;
        }
        var n1mxfl = n - nxfl - (alpha == 0 ? 0 : 1);
        var n1mxceil = n - nxfl;
        if (alpha == 0)
        {
            n1mxfl -= 1;
            n1mxceil += 1;
        }

        if (nxfl == 0 || (nxfl == 1 && alpha == 0))
        {
            var cdf = x * Math.Pow(1 + x, n - 1);
            return Math.Clamp(1 - cdf, 0.0, 1.0);
        }
        if (-2 * n * x * x < MinLog)
        {
            return 0.0;
        }
        if (nxfl >= n - 1)
        {
            return Math.Clamp(Math.Pow(1 - x, n), 0.0, 1.0);
        }
        if (n > MaxComputeN)
        {
            return Math.Clamp(Math.Exp(-Math.Pow(6.0 * n * x + 1.0, 2) / 18.0 / n), 0.0, 1.0);
        }

        // The upper sum has few but alternating terms; scipy uses it only where that loses little accuracy.
        var nUpperTerms = n - n1mxceil + 1;
        var useUpperSum = (nUpperTerms <= 1 && x < 0.5)
            || (n >= 10 && nUpperTerms <= 3 && x <= 0.5 / Math.Sqrt(n));
        int start = 0, step = 1, nTerms = n1mxfl + 1;
        if (useUpperSum)
        {
            start = n;
            step = -1;
            nTerms = n - n1mxceil + 1;
        }

        var vmid = n / 2;
        // log C(n, j) as an unevaluated sum hi + lo: plain accumulation over 10^5 terms of size ~10^5 would lose ~1e-9.
        double logBinomial = 0.0, logBinomialLow = 0.0;
        var sum = 0.0;
        var compensation = 0.0;
        for (var j = 0; j < nTerms; j++)
        {
            var v = start + j * step;
            var term = Term(n, x, v, logBinomial, logBinomialLow);
            if (double.IsFinite(term) && term != 0)
            {
                // Kahan summation stands in for scipy's double-double accumulator.
                var y = term - compensation;
                var tsum = sum + y;
                compensation = (tsum - sum) - y;
                sum = tsum;
            }
            if (term != 0)
            {
                if (4.0 * (nTerms - j) * Math.Abs(term) < DoubleEpsilon * sum && j != nTerms - 1)
                {
                    break;
                }
            }
            else if (j > vmid)
            {
                break;
            }
            (logBinomial, logBinomialLow) = TwoSum(logBinomial, logBinomialLow + Math.Log((double)(n - j) / (j + 1)));
        }
        var prob = x * sum;
        var sf = useUpperSum ? 1 - prob : prob;
        return Math.Clamp(sf, 0.0, 1.0);
    }

    /// <summary>A_v = C(n,v)·(1-x-v/n)^(n-v)·(x+v/n)^(v-1), signed, from logs summed with their rounding errors.</summary>
    private static double Term(int n, double x, int v, double logBinomial, double logBinomialLow)
    {
        var t1x = (double)v / n + x;
        var t2x = (double)(n - v) / n - x;
        var sign = 1.0;
        double logT2 = 0, logT2Low = 0;
        if (n - v != 0)
        {
            if (t2x == 0)
            {
                return 0;
            }
            if (t2x < 0 && (n - v) % 2 != 0)
            {
                sign = -1.0;
            }
            var log = Math.Log(Math.Abs(t2x));
            logT2 = (n - v) * log;
            logT2Low = Math.FusedMultiplyAdd(n - v, log, -logT2);
        }
        var log1 = Math.Log(t1x);
        var logT1 = (v - 1) * log1;
        var logT1Low = Math.FusedMultiplyAdd(v - 1, log1, -logT1);
        var (hi, lo) = TwoSum(logBinomial, logT1);
        (hi, var lo2) = TwoSum(hi, logT2);
        lo += lo2 + logBinomialLow + logT1Low + logT2Low;
        (hi, lo) = TwoSum(hi, lo);
        return sign * Math.Exp(hi) * (1 + lo);
    }

    private static (double Sum, double Error) TwoSum(double a, double b)
    {
        var s = a + b;
        var bb = s - a;
        var error = (a - (s - bb)) + (b - bb);
        return (s, error);
    }
}
