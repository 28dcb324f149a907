namespace ModelOps.Core.Monitoring;

/// <summary>
/// Survival function of the two-sided one-sample Kolmogorov-Smirnov statistic D_n (scipy's <c>kstwo.sf(d, n)</c>),
/// choosing between the exact and approximate methods as Simard and L'Ecuyer (2011) advise, exactly as
/// scipy 1.10's <c>_kolmogn</c> does so that p-values agree with scipy to rounding.
/// </summary>
internal static class KolmogorovDistribution
{
    private const int E128 = 128;
    private static readonly double Ep128 = Math.ScaleB(1.0, E128);
    private static readonly double Em128 = Math.ScaleB(1.0, -E128);
    private static readonly double Sqrt2Pi = Math.Sqrt(2 * Math.PI);
    private static readonly double Log2Pi = Math.Log(2 * Math.PI);
    private const double MinLog = -708;

    // Stirling coefficients B_{2j}/(2j)/(2j-1), j = 8..1, highest power first.
    private static readonly double[] StirlingCoefficients =
    [
        -2.955065359477124183e-2, 6.4102564102564102564e-3, -1.9175269175269175269e-3, 8.4175084175084175084e-4,
        -5.952380952380952381e-4, 7.9365079365079365079e-4, -2.7777777777777777778e-3, 8.3333333333333333333e-2,
    ];

    /// <summary>Pr(D_n ≥ x).</summary>
    public static double Survival(int n, double x)
    {
        if (double.IsNaN(x) || n <= 0)
        {
            return double.NaN;
        }
        if (x >= 1.0)
        {
            return 0.0;
        }
        if (x <= 0.0)
        {
            return 1.0;
        }
        var t = n * x;
        if (t <= 1.0)
        {
            // Ruben-Gambino: exact for 1/2n <= x <= 1/n.
            if (t <= 0.5)
            {
                return 1.0;
            }
            double prob;
            if (n <= 140)
            {
                prob = 1.0;
                for (var i = 1; i <= n; i++)
                {
                    prob *= i * (1.0 / n) * (2 * t - 1);
                }
            }
            else
            {
                prob = Math.Exp(LogFactorialOverPower(n) + n * Math.Log(2 * t - 1));
            }
            return Clip(1.0 - Clip(prob));
        }
        if (t >= n - 1)
        {
            return Clip(2 * Math.Pow(1.0 - x, n));
        }
        if (x >= 0.5)
        {
            return Clip(2 * SmirnovDistribution.Survival(n, x));
        }
        var nxSquared = t * x;
        if (n <= 140)
        {
            if (nxSquared <= 0.754693)
            {
                return Clip(1.0 - DurbinMatrix(n, x));
            }
            if (nxSquared <= 4)
            {
                return Clip(1.0 - Pomeranz(n, x));
            }
            return Clip(2 * SmirnovDistribution.Survival(n, x));
        }
        if (nxSquared >= 370.0)
        {
            return 0.0;
        }
        if (nxSquared >= 2.2)
        {
            return Clip(2 * SmirnovDistribution.Survival(n, x));
        }
        var cdf = n <= 100_000 && n * Math.Pow(x, 1.5) <= 1.4 ? DurbinMatrix(n, x) : PelzGood(n, x);
        return Clip(1.0 - cdf);
    }

    private static double Clip(double p) => Math.Clamp(p, 0.0, 1.0);

    /// <summary>log(n!/n^n) by Stirling's series with n·log(n) removed up front to avoid cancellation.</summary>
    private static double LogFactorialOverPower(int n)
    {
        var rn = 1.0 / n;
        var x = rn / n;
        var poly = 0.0;
        foreach (var c in StirlingCoefficients)
        {
            poly = poly * x + c;
        }
        return Math.Log(n) / 2 - n + Log2Pi / 2 + rn * poly;
    }

    /// <summary>Pr(D_n ≤ d) by Durbin's matrix algorithm as Marsaglia, Tsang and Wang (2003) compute it.</summary>
    private static double DurbinMatrix(int n, double d)
    {
        if (d >= 1.0)
        {
            return 1.0;
        }
        var nd = n * d;
        if (nd <= 0.5)
        {
            return 0.0;
        }
        var k = (int)Math.Ceiling(nd);
        var h = k - nd;
        var m = 2 * k - 1;

        var v = new double[m];
        var w = new double[m];
        var fac = 1.0;
        for (var j = 1; j <= m; j++)
        {
            v[j - 1] = 1.0 - Math.Pow(h, j);
            w[j - 1] = fac;
            fac /= j;
            v[j - 1] *= fac;
        }
        var tt = Math.Pow(Math.Max(2 * h - 1.0, 0), m) - 2 * Math.Pow(h, m);
        v[m - 1] = (1.0 + tt) * fac;

        var hm = new double[m * m];
        for (var i = 1; i < m; i++)
        {
            for (var r = i - 1; r < m; r++)
            {
                hm[r * m + i] = w[r - i + 1];
            }
        }
        for (var r = 0; r < m; r++)
        {
            hm[r * m] = v[r];
        }
        for (var c = 0; c < m; c++)
        {
            hm[(m - 1) * m + c] = v[m - 1 - c];
        }

        var power = new double[m * m];
        for (var i = 0; i < m; i++)
        {
            power[i * m + i] = 1.0;
        }
        var scratch = new double[m * m];
        var nn = n;
        var exponent = 0;
        var hExponent = 0;
        while (nn > 0)
        {
            if (nn % 2 != 0)
            {
                Multiply(power, hm, scratch, m);
                (power, scratch) = (scratch, power);
                exponent += hExponent;
            }
            Multiply(hm, hm, scratch, m);
            (hm, scratch) = (scratch, hm);
            hExponent *= 2;
            if (Math.Abs(hm[(k - 1) * m + (k - 1)]) > Ep128)
            {
                for (var i = 0; i < hm.Length; i++)
                {
                    hm[i] /= Ep128;
                }
                hExponent += E128;
            }
            nn /= 2;
        }

        var p = power[(k - 1) * m + (k - 1)];
        for (var i = 1; i <= n; i++)
        {
            p = i * p / n;
            if (Math.Abs(p) < Em128)
            {
                p *= Ep128;
                exponent -= E128;
            }
        }
        if (exponent != 0)
        {
            p = Math.ScaleB(p, exponent);
        }
        return Clip(p);
    }

    private static void Multiply(double[] a, double[] b, double[] result, int m)
    {
        Array.Clear(result);
        for (var i = 0; i < m; i++)
        {
            var row = i * m;
            for (var k = 0; k < m; k++)
            {
                var aik = a[row + k];
                if (aik == 0)
                {
                    continue;
                }
                var bRow = k * m;
                for (var j = 0; j < m; j++)
                {
                    result[row + j] += aik * b[bRow + j];
                }
            }
        }
    }

    /// <summary>Pr(D_n ≤ x) by the Pomeranz (1974) recursion, two rows at a time with rescaling.</summary>
    private static double Pomeranz(int n, double x)
    {
        var t = n * x;
        var ll = (int)Math.Floor(t);
        var f = t - ll;
        var g = Math.Min(f, 1.0 - f);
        var ceilf = f > 0 ? 1 : 0;
        var roundf = f > 0.5 ? 1 : 0;
        var npwrs = 2 * (ll + 1);
        var gpower = new double[npwrs];
        var twogpower = new double[npwrs];
        var onem2gpower = new double[npwrs];
        gpower[0] = twogpower[0] = onem2gpower[0] = 1.0;
        var exponent = 0;
        double gOverN = g / n, twoGOverN = 2 * g / n, oneMinusTwoGOverN = (1 - 2 * g) / n;
        for (var m = 1; m < npwrs; m++)
        {
            gpower[m] = gpower[m - 1] * gOverN / m;
            twogpower[m] = twogpower[m - 1] * twoGOverN / m;
            onem2gpower[m] = onem2gpower[m - 1] * oneMinusTwoGOverN / m;
        }

        var v0 = new double[npwrs];
        var v1 = new double[npwrs];
        v1[0] = 1;
        int v0s = 0, v1s = 0;
        var (j1, j2) = PomeranzBounds(0, n, ll, ceilf, roundf);
        for (var i = 1; i < 2 * n + 2; i++)
        {
            var k1 = j1;
            (v0, v1) = (v1, v0);
            (v0s, v1s) = (v1s, v0s);
            Array.Clear(v1);
            (j1, j2) = PomeranzBounds(i, n, ll, ceilf, roundf);
            var pwrs = i == 1 || i == 2 * n + 1 ? gpower : (i % 2 != 0 ? twogpower : onem2gpower);
            var ln2 = j2 - k1 + 1;
            if (ln2 > 0)
            {
                // Entries conv[convStart .. convStart+convLen) of the full convolution of V0[k1-V0s ..+ln2] with pwrs[..ln2].
                var offset = k1 - v0s;
                var convStart = j1 - k1;
                var convLen = j2 - j1 + 1;
                var max = 0.0;
                for (var c = 0; c < convLen; c++)
                {
                    var idx = convStart + c;
                    var sum = 0.0;
                    var lo = Math.Max(0, idx - (ln2 - 1));
                    var hi = Math.Min(idx, ln2 - 1);
                    for (var q = lo; q <= hi; q++)
                    {
                        sum += v0[offset + q] * pwrs[idx - q];
                    }
                    v1[c] = sum;
                    max = Math.Max(max, sum);
                }
                if (max > 0 && max < Em128)
                {
                    for (var c = 0; c < v1.Length; c++)
                    {
                        v1[c] *= Ep128;
                    }
                    exponent -= E128;
                }
                v1s = v0s + j1 - k1;
            }
        }

        var ans = v1[n - v1s];
        for (var m = 1; m <= n; m++)
        {
            if (Math.Abs(ans) > Ep128)
            {
                ans *= Em128;
                exponent += E128;
            }
            ans *= m;
        }
        if (exponent != 0)
        {
            ans = Math.ScaleB(ans, exponent);
        }
        return Clip(ans);
    }

    private static (int J1, int J2) PomeranzBounds(int i, int n, int ll, int ceilf, int roundf)
    {
        int j1, j2;
        if (i == 0)
        {
            j1 = -ll - ceilf - 1;
            j2 = ll + ceilf - 1;
        }
        else
        {
            var ip1div2 = (i + 1) / 2;
            var ip1mod2 = (i + 1) % 2;
            if (ip1mod2 == 0)
            {
                if (ip1div2 == n + 1)
                {
                    j1 = n - ll - ceilf - 1;
                    j2 = n + ll + ceilf - 1;
                }
                else
                {
                    j1 = ip1div2 - 1 - ll - roundf - 1;
                    j2 = ip1div2 + ll - 1 + ceilf - 1;
                }
            }
            else
            {
                j1 = ip1div2 - 1 - ll - 1;
                j2 = ip1div2 + ll + roundf - 1;
            }
        }
        return (Math.Max(j1 + 2, 0), Math.Min(j2, n));
    }

    /// <summary>Pr(D_n ≤ x) by the Pelz-Good (1976) approximation of the Li-Chien/Korolyuk expansion.</summary>
    private static double PelzGood(int n, double x)
    {
        if (x <= 0.0)
        {
            return 0.0;
        }
        if (x >= 1.0)
        {
            return 1.0;
        }
        var z = Math.Sqrt(n) * x;
        double z2 = z * z, z3 = z2 * z, z4 = z2 * z2, z6 = z4 * z2;
        var qlog = -Math.PI * Math.PI / 8 / z2;
        if (qlog < MinLog)
        {
            return 0.0;
        }
        var q = Math.Exp(qlog);
        const double Pi2 = Math.PI * Math.PI;
        var pi4 = Pi2 * Pi2;
        var pi6 = pi4 * Pi2;

        var k1a = -z2;
        var k1b = Pi2 / 4;
        var k2a = 6 * z6 + 2 * z4;
        var k2b = (2 * z4 - 5 * z2) * Pi2 / 4;
        var k2c = pi4 * (1 - 2 * z2) / 16;
        var k3d = pi6 * (5 - 30 * z2) / 64;
        var k3c = pi4 * (-60 * z2 + 212 * z4) / 16;
        var k3b = Pi2 * (135 * z4 - 96 * z6) / 4;
        var k3a = -30 * z6 - 90 * Math.Pow(z, 8);

        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        var maxk = (int)Math.Ceiling(16 * z / Math.PI);
        for (var k = maxk; k > 0; k--)
        {
            double m = 2 * k - 1;
            double m2 = m * m, m4 = m2 * m2, m6 = m4 * m2;
            var qpower = Math.Pow(q, 8 * k);
            s0 = s0 * qpower + 1.0;
            s1 = s1 * qpower + (k1a + k1b * m2);
            s2 = s2 * qpower + (k2a + k2b * m2 + k2c * m4);
            s3 = s3 * qpower + (k3a + k3b * m2 + k3c * m4 + k3d * m6);
        }
        s0 = s0 * q * Sqrt2Pi / z;
        s1 = s1 * q * Sqrt2Pi / (6 * z4);
        s2 = s2 * q * Sqrt2Pi / (72 * Math.Pow(z, 7));
        s3 = s3 * q * Sqrt2Pi / (6480 * Math.Pow(z, 10));

        q = Math.Exp(-Pi2 / 2 / z2);
        var sqrt3z = Math.Sqrt(3) * z;
        double k2extra = 0, k3extra = 0;
        for (var k = maxk; k > 0; k--)
        {
            double k2 = (double)k * k;
            var qp = Math.Pow(q, k2);
            var kpi = Math.PI * k;
            k2extra += k2 * qp;
            k3extra += (sqrt3z + kpi) * (sqrt3z - kpi) * k2 * qp;
        }
        s2 += k2extra * Pi2 * Sqrt2Pi / (-36 * z3);
        s3 += k3extra * Pi2 * Sqrt2Pi / (216 * z6);
        double nd = n;
        return s0 + s1 / Math.Sqrt(nd) + s2 / nd + s3 / Math.Pow(nd, 1.5);
    }
}
