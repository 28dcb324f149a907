using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Time.Testing;
using ModelOps.Testing;

namespace ModelOps.Durable.Tests;

/// <summary>Starts the real engine on a fresh Azurite account; each test owns its account.</summary>
internal static class TestEngine
{
    public static async Task<DurableEngine> StartAsync(DurableRegistry registry, string? connectionString = null,
        TimeProvider? time = null, Action<DurableEngineOptions>? configure = null)
    {
        var options = new DurableEngineOptions
        {
            StorageConnectionString = connectionString ?? await SharedAzurite.NewAccountAsync(),
            TaskHub = "testhub",
            MaxConcurrentActivities = 8,
            MaxConcurrentOrchestrations = 4,
            TimeProvider = time ?? TimeProvider.System,
        };
        configure?.Invoke(options);
        return await DurableEngine.StartAsync(options, registry);
    }

    public static CancellationToken Timeout(int seconds = 20) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;

    /// <summary>Polls until <paramref name="condition"/> holds; for states reached between storage writes.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, int seconds = 10)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("Condition not met in time.");
            }
            await Task.Delay(20);
        }
    }

    /// <summary>Advances virtual time once the engine has armed its <paramref name="count"/>-th timer (counting from its start).</summary>
    public static async Task AdvanceAfterTimerAsync(DurableEngine engine, FakeTimeProvider time, int count, TimeSpan by)
    {
        await EventuallyAsync(() => Task.FromResult(engine.TimersArmed >= count));
        time.Advance(by);
    }

    /// <summary>Names (and sizes) of the blobs under <paramref name="prefix"/>.</summary>
    public static async Task<List<(string Name, long Bytes)>> BlobsAsync(BlobContainerClient container, string? prefix = null)
    {
        var blobs = new List<(string, long)>();
        await foreach (var blob in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix, CancellationToken.None))
        {
            blobs.Add((blob.Name, blob.Properties.ContentLength ?? 0));
        }
        return blobs;
    }

    public static FakeTimeProvider FakeTime() => new(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
}
