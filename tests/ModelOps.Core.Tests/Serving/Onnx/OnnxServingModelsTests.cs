using Microsoft.Extensions.Time.Testing;
using ModelOps.Core.Registry;
using ModelOps.Core.Serving;
using ModelOps.Core.Serving.Onnx;
using ModelOps.Core.Storage;
using ModelOps.Testing;

namespace ModelOps.Core.Tests.Serving.Onnx;

/// <summary>The serving cache keeps one ONNX session per served version and releases a replaced one.</summary>
public sealed class OnnxServingModelsTests
{
    [Fact]
    public async Task A_replaced_onnx_version_is_released_after_a_grace_period_and_the_new_one_serves()
    {
        var kit = await OnnxImportKit.StartAsync();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var serving = new ServingModels(kit.Registry, clock) { AliasRefreshInterval = TimeSpan.Zero };
        var model = ModelName.Parse(OnnxSamples.Regression);
        await kit.ImportAsync(OnnxSamples.Regression, alias: ModelRegistry.Production);
        var rows = OnnxSamples.Rows(OnnxSamples.Regression);
        var first = (await serving.GetProductionAsync(model, default))!;
        Assert.Same(first, await serving.GetProductionAsync(model, default)); // cached, not reloaded

        // The same graph checked on half the reference rows is another version.
        var half = Path.Combine(Path.GetTempPath(), $"regression-half-{Guid.NewGuid():N}.csv");
        await File.WriteAllLinesAsync(half, File.ReadAllLines(OnnxSamples.DataPath(OnnxSamples.Regression)).Take(151));
        var second = await kit.ImportAsync(OnnxSamples.Regression, alias: ModelRegistry.Production, data: half);
        var now = (await serving.GetProductionAsync(model, default))!;

        Assert.Equal(2, second.Manifest.Version);
        Assert.Equal(2, now.Manifest.Version);
        Assert.Equal([(OnnxSamples.Regression, 2)], serving.Loaded);
        Assert.Equal(now.Scorer.Score(rows), first.Scorer.Score(rows)); // a request handed v1 before the swap still scores
        clock.Advance(TimeSpan.FromSeconds(31));
        await WaitUntilAsync(() =>
        {
            try
            {
                first.Scorer.Score(rows);
                return false;
            }
            catch (ObjectDisposedException)
            {
                return true;
            }
        });
        Assert.NotEmpty(now.Scorer.Score(rows));
        File.Delete(half);
    }

    [Fact]
    public async Task A_moved_alias_is_read_beside_the_requests_and_before_them_once_the_host_was_idle()
    {
        var kit = await OnnxImportKit.StartAsync();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var serving = new ServingModels(kit.Registry, clock) { AliasRefreshInterval = TimeSpan.FromSeconds(1) };
        var model = ModelName.Parse(OnnxSamples.Regression);
        await kit.ImportAsync(OnnxSamples.Regression, alias: ModelRegistry.Production);
        async Task<int> Serving() => (await serving.GetProductionAsync(model, default))!.Manifest.Version;
        Assert.Equal(1, await Serving());

        // Versions 2 and 3: the same graph checked on fewer reference rows.
        var lines = File.ReadAllLines(OnnxSamples.DataPath(OnnxSamples.Regression));
        var subset = Path.Combine(Path.GetTempPath(), $"regression-subset-{Guid.NewGuid():N}.csv");
        await File.WriteAllLinesAsync(subset, lines.Take(151));
        await kit.ImportAsync(OnnxSamples.Regression, alias: ModelRegistry.Production, data: subset);
        Assert.Equal(1, await Serving()); // read less than an interval ago

        clock.Advance(TimeSpan.FromSeconds(1.5));
        Assert.Equal(1, await Serving()); // stale: answered with what is known, the alias read beside it
        await WaitUntilAsync(async () => await Serving() == 2); // the clock stands still: only the read beside moves it

        await File.WriteAllLinesAsync(subset, lines.Take(101));
        await kit.ImportAsync(OnnxSamples.Regression, alias: ModelRegistry.Production, data: subset);
        clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(3, await Serving()); // idle for more than two intervals: the alias is read before answering
        File.Delete(subset);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!await condition())
        {
            await Task.Delay(20, cancel.Token);
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            await Task.Delay(20, cancel.Token);
        }
    }
}
