using System.Diagnostics;
using System.Runtime.InteropServices;
using ModelOps.Local.Storage;

namespace ModelOps.Durable.Bench.Overhead;

/// <summary><c>overhead [--quick]</c>: per-activity overhead on a chain and throughput on a fan-out, engine vs direct calls.</summary>
internal static class OverheadCommand
{
    public static async Task<int> RunAsync(CommandArgs args, CancellationToken ct)
    {
        var options = OverheadOptions.From(args);
        args.EnsureAllRead();
        var clock = Stopwatch.StartNew();

        var location = Path.Combine(Path.GetTempPath(), "modelops-bench-" + Guid.NewGuid().ToString("N")[..8]);
        await using (var azurite = await Azurite.StartAsync(location, cancellationToken: ct))
        {
            using var storage = new StorageCallRecorder(azurite.BlobPort, azurite.TablePort);
            var probe = new EngineProbe();
            var engineOptions = new DurableEngineOptions
            {
                StorageConnectionString = azurite.ConnectionString(),
                TaskHub = "bench",
                MaxConcurrentActivities = options.MaxConcurrentActivities,
            };
            Console.WriteLine($"## Durable engine overhead — {TimeProvider.System.GetUtcNow():yyyy-MM-dd HH:mm} UTC");
            Console.WriteLine();
            Console.WriteLine($"{Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version}, " +
                $"Azurite on loopback, MaxConcurrentActivities {engineOptions.MaxConcurrentActivities}, " +
                $"MaxConcurrentOrchestrations {engineOptions.MaxConcurrentOrchestrations}.");
            Console.WriteLine();

            var latencies = await StorageLatencyProbe.MeasureAsync(azurite.ConnectionString(), options.StorageSamples, ct);
            OverheadReport.Storage(latencies, options.StorageSamples);

            await using var engine = await DurableEngine.StartAsync(engineOptions, Workload.Register(probe, TimeSpan.FromMilliseconds(options.FanOutWorkMs)),
                new StderrLoggerFactory(observer: probe.OnLog), ct);
            var benchmark = new OverheadBenchmark(engine, probe, storage, TimeSpan.FromMilliseconds(options.FanOutWorkMs));
            await benchmark.WarmUpAsync(ct);

            var chains = new List<ChainSample>();
            for (var i = 0; i < options.ChainRuns; i++)
            {
                chains.Add(await benchmark.ChainAsync(options.ChainLength, ct));
            }
            OverheadReport.Chain(chains, options.ChainLength);

            foreach (var slow in new[] { false, true })
            {
                var fanOuts = new List<FanOutSample>();
                for (var i = 0; i < options.FanOutRuns; i++)
                {
                    fanOuts.Add(await benchmark.FanOutAsync(options.FanOutWidth, slow, ct));
                }
                OverheadReport.FanOut(fanOuts, options.FanOutWidth, slow ? options.FanOutWorkMs : 0, options.MaxConcurrentActivities);
            }
        }
        TryDelete(location);
        Console.WriteLine($"Finished in {clock.Elapsed.TotalSeconds:F0} s.");
        return 0;
    }

    private static void TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
            // Azurite may still hold a file for a moment; a leftover temp folder is harmless.
        }
    }
}
