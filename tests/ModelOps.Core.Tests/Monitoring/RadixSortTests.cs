using ModelOps.Core.Monitoring;

namespace ModelOps.Core.Tests.Monitoring;

public sealed class RadixSortTests
{
    [Fact]
    public void Radix_sort_orders_doubles_as_Array_Sort_does()
    {
        var random = new Random(5);
        var values = Enumerable.Range(0, 20_000)
            .Select(i => (i % 7) switch { 0 => -random.NextDouble() * 1e6, 1 => Math.Round(random.NextDouble() * 10), 2 => 1e-300 * random.NextDouble(), _ => random.NextDouble() - 0.5 })
            .Concat([double.MaxValue, double.MinValue, double.PositiveInfinity, double.NegativeInfinity, 0.0, -1e-320])
            .ToArray();
        var expected = values.ToArray();
        Array.Sort(expected);

        RadixSort.Sort(values);

        Assert.Equal(expected, values);
    }
}
