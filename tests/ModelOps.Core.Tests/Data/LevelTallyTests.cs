using ModelOps.Core.Data;

namespace ModelOps.Core.Tests.Data;

public sealed class LevelTallyTests
{
    [Fact]
    public void Counts_by_object_and_adds_up_equal_texts()
    {
        var tally = new LevelTally();
        var levels = Enumerable.Range(0, 1000).Select(i => $"level{i % 300}").ToArray(); // 300 texts, 1000 objects
        for (var round = 0; round < 3; round++)
        {
            foreach (var level in levels) tally.Add(level, 2);
        }

        Assert.Equal(1000, tally.Count);
        Assert.All(Enumerable.Range(0, 1000), code => Assert.Equal(6, tally.CountOf(code)));
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => levels[i]), Enumerable.Range(0, 1000).Select(tally.Level));
        var byValue = tally.ByValue();
        Assert.Equal(300, byValue.Count);
        Assert.Equal(6 * 4, byValue["level0"]); // objects 0, 300, 600, 900
        Assert.Equal(6 * 3, byValue["level299"]);

        Assert.True(tally.TryAddExisting(levels[5], 1));
        Assert.False(tally.TryAddExisting(new string("level5".AsSpan()), 1)); // same text, another object
        Assert.Equal(7, tally.CountOf(5));

        tally.Clear();
        Assert.Equal(0, tally.Count);
        Assert.Equal(0, tally.CodeOf(levels[7]));
        Assert.Equal(0, tally.CountOf(0));
    }
}
