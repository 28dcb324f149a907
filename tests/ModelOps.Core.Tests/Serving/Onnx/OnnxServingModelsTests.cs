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

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            await Task.Delay(20, cancel.Token);
        }
    }
}
