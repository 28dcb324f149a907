using ModelOps.Core.Data;

namespace ModelOps.Core.Monitoring;

/// <summary>The first Wasserstein (earth mover's) distance between two samples, as <c>scipy.stats.wasserstein_distance(u, v)</c>.</summary>
internal static class Wasserstein
{
    /// <summary>The distance on unsorted samples without NaN; copies and sorts them.</summary>
    public static double Distance(ReadOnlySpan<double> u, ReadOnlySpan<double> v)
    {
        var su = u.ToArray();
        var sv = v.ToArray();
        RadixSort.Sort(su);
        RadixSort.Sort(sv);
        return DistanceSorted(su, sv);
    }

    /// <summary>
    /// ∫|F_u - F_v| over the merged support, one merge pass over two ascending samples: between consecutive merged
    /// values the CDFs are constant, so each gap adds |i/n1 - j/n2|·(next - current).
    /// </summary>
    public static double DistanceSorted(ReadOnlySpan<double> u, ReadOnlySpan<double> v)
    {
        if (u.Length == 0 || v.Length == 0)
        {
            throw new ArgumentException("Both samples need at least one value.");
        }
        int n1 = u.Length, n2 = v.Length;
        double n1d = n1, n2d = n2;
        int i = 0, j = 0;
        var sum = 0.0;
        var current = Math.Min(u[0], v[0]);
        while (i < n1 || j < n2)
        {
            while (i < n1 && u[i] <= current)
            {
                i++;
            }
            while (j < n2 && v[j] <= current)
            {
                j++;
            }
            if (i == n1 && j == n2)
            {
                break;
            }
            var next = j >= n2 || (i < n1 && u[i] <= v[j]) ? u[i] : v[j];
            sum += Math.Abs(i / n1d - j / n2d) * (next - current);
            current = next;
        }
        return sum;
    }
}
