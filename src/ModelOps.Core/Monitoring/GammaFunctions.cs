namespace ModelOps.Core.Monitoring;

/// <summary>log Γ and the regularised upper incomplete gamma function Q(a, x), for chi-squared p-values.</summary>
internal static class GammaFunctions
{
    private const double Epsilon = 1e-16;
    private const int MaxIterations = 100_000;
    private static readonly double HalfLog2Pi = 0.5 * Math.Log(2 * Math.PI);

    /// <summary>log Γ(x) for x &gt; 0: Stirling's series at x ≥ 15, shifted up by the recurrence below that.</summary>
    public static double LogGamma(double x)
    {
        if (x <= 0 || double.IsNaN(x))
        {
            return double.NaN;
        }
        if (x < 15)
        {
            // Γ(x) = Γ(x+k) / (x (x+1) ... (x+k-1)); the product stays far from overflow for x < 15.
            var product = 1.0;
            var y = x;
            while (y < 15)
            {
                product *= y;
                y += 1;
            }
            return StirlingLogGamma(y) - Math.Log(product);
        }
        return StirlingLogGamma(x);
    }

    private static double StirlingLogGamma(double x)
    {
        var r = 1.0 / x;
        var r2 = r * r;
        // B_2k / (2k (2k-1) x^(2k-1)), k = 1..8; at x ≥ 15 the next term is below 1e-20.
        var series = r * (1.0 / 12 + r2 * (-1.0 / 360 + r2 * (1.0 / 1260 + r2 * (-1.0 / 1680 + r2 * (1.0 / 1188
            + r2 * (-691.0 / 360360 + r2 * (1.0 / 156 + r2 * (-3617.0 / 122400))))))));
        return (x - 0.5) * Math.Log(x) - x + HalfLog2Pi + series;
    }

    /// <summary>Q(a, x) = Γ(a, x)/Γ(a): the series for P when x &lt; a + 1, Lentz's continued fraction otherwise.</summary>
    public static double UpperRegularized(double a, double x)
    {
        if (double.IsNaN(a) || double.IsNaN(x) || a <= 0 || x < 0)
        {
            return double.NaN;
        }
        if (x == 0)
        {
            return 1.0;
        }
        if (double.IsPositiveInfinity(x))
        {
            return 0.0;
        }
        var logPrefix = -x + a * Math.Log(x) - LogGamma(a);
        if (x < a + 1)
        {
            // P(a, x) = e^-x x^a / Γ(a+1) · Σ x^k / ((a+1)...(a+k)).
            var term = 1.0 / a;
            var sum = term;
            var ap = a;
            for (var k = 0; k < MaxIterations; k++)
            {
                ap += 1;
                term *= x / ap;
                sum += term;
                if (Math.Abs(term) < Math.Abs(sum) * Epsilon)
                {
                    break;
                }
            }
            return 1.0 - sum * Math.Exp(logPrefix);
        }
        {
            const double Tiny = 1e-300;
            var b = x + 1 - a;
            var c = 1.0 / Tiny;
            var d = 1.0 / b;
            var h = d;
            for (var i = 1; i < MaxIterations; i++)
            {
                var an = -i * (i - a);
                b += 2;
                d = an * d + b;
                if (Math.Abs(d) < Tiny)
                {
                    d = Tiny;
                }
                c = b + an / c;
                if (Math.Abs(c) < Tiny)
                {
                    c = Tiny;
                }
                d = 1.0 / d;
                var delta = d * c;
                h *= delta;
                if (Math.Abs(delta - 1.0) < Epsilon)
                {
                    break;
                }
            }
            return Math.Exp(logPrefix) * h;
        }
    }
}
