using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using ModelOps.Core.Data;
using ModelOps.Core.Monitoring;

namespace ModelOps.Core.Tests.Monitoring;

/// <summary>Categorical columns whose equal texts are sometimes one shared instance and sometimes separate copies.</summary>
public static class LevelArbitraries
{
    public static Arbitrary<string?[]> Columns() =>
        (from levels in Gen.Choose(1, 600)
         from rows in Gen.Choose(0, 3_000)
         from picks in Gen.ArrayOf(Gen.Choose(-1, levels - 1), rows)
         from copies in Gen.ArrayOf(ArbMap.Default.GeneratorFor<bool>(), rows)
         select Column(levels, picks, copies)).ToArbitrary();

    private static string?[] Column(int levels, int[] picks, bool[] copies)
    {
        var shared = Enumerable.Range(0, levels).Select(i => $"level-{i}").ToArray();
        // A copy has the same text as the shared instance but is another object, as a parser that allocates per row gives.
        return picks.Select((p, r) => p < 0 ? null : copies[r] ? new string(shared[p].AsSpan()) : shared[p]).ToArray();
    }
}

public sealed class WindowSummariesTests
{
    [Property(MaxTest = 100, Arbitrary = [typeof(LevelArbitraries)])]
    public bool Level_counts_merge_equal_text_whatever_the_instances(string?[] column)
    {
        var window = CategoricalWindow.From(column);

        var expected = column.Where(v => v is not null).GroupBy(v => v!, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count());
        return window.MissingCount == column.Count(v => v is null)
            && window.Rows == column.Length
            && window.Counts.Count == expected.Count
            && expected.All(e => window.Counts.TryGetValue(e.Key, out var c) && c == e.Value);
    }

    [Fact]
    public void A_numeric_summary_counts_missing_and_infinite_values_and_gives_its_buffer_back_once()
    {
        var window = NumericWindow.From([3.0, double.NaN, 1.0, double.NegativeInfinity, 2.0, double.NaN]);

        Assert.Equal([1.0, 2.0, 3.0], window.Sorted.ToArray());
        Assert.Equal((2, 1, 6), (window.MissingCount, window.InfiniteCount, window.Rows));
        window.Dispose();
        window.Dispose();
        Assert.Throws<ObjectDisposedException>(() => window.Sorted.Length);
    }

    [Fact]
    public void Disposing_the_summaries_releases_every_numeric_column()
    {
        var baseline = new DriftBaseline([
            NumericBaseline.FromSample("x", [1.0, 2.0, 3.0]),
            CategoricalBaseline.FromSample("c", ["a", "b"]),
        ]);
        var table = new Table(
            new TableSchema([new ColumnSchema("X", ColumnKind.Numeric), new ColumnSchema("c", ColumnKind.Categorical)]),
            [new[] { 2.0, double.NaN }, new string?[] { "a", null }]);

        var summaries = WindowSummaries.Summarize(baseline, table);
        var x = (NumericWindow)summaries["x"];
        Assert.Equal([2.0], x.Sorted.ToArray());
        Assert.Equal(1, summaries["C"].MissingCount);
        summaries.Dispose();

        Assert.Throws<ObjectDisposedException>(() => x.Sorted.Length);
    }

    [Fact]
    public void The_tick_checks_judge_drift_and_quality_as_the_separate_checks_do()
    {
        var random = new Random(11);
        var reference = Enumerable.Range(0, 2_000).Select(_ => random.NextDouble()).ToArray();
        var levels = new[] { "a", "b", "c" };
        var baseline = new DriftBaseline([
            NumericBaseline.FromSample("x", reference),
            CategoricalBaseline.FromSample("c", Enumerable.Range(0, 2_000).Select(i => (string?)levels[i % 3]).ToArray()),
        ]);
        var rows = 20_000;
        var table = new Table(
            new TableSchema([new ColumnSchema("x", ColumnKind.Numeric), new ColumnSchema("c", ColumnKind.Categorical)]),
            [
                Enumerable.Range(0, rows).Select(i => i % 50 == 0 ? double.NaN : random.NextDouble() * 1.3).ToArray(),
                Enumerable.Range(0, rows).Select(i => i % 7 == 0 ? "new" : levels[i % 2]).ToArray(),
            ]);
        var options = new DriftOptions();
        var errors = new Dictionary<string, long> { ["x"] = 3 };

        var (drift, quality) = WindowChecks.Evaluate(baseline, table, options, errors);

        Assert.Equal(new DriftDetector(options).Detect(baseline, table).Features, drift.Features);
        var separate = DataQualityCheck.Evaluate(baseline, table, errors);
        Assert.Equal(separate.Features.Select(f => (f.Feature, f.NullRate, f.OutOfDomainRate, f.TypeErrors)),
            quality.Features.Select(f => (f.Feature, f.NullRate, f.OutOfDomainRate, f.TypeErrors)));
        Assert.True(drift.Features[0].Drifted);
        Assert.True(quality.Alarm);
    }
}
