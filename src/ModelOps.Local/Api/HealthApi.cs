using Azure.Storage.Blobs;
using Microsoft.AspNetCore.Http.HttpResults;
using ModelOps.Core.Serving;
using ModelOps.Core.Serving.Traffic;
using ModelOps.Durable;

namespace ModelOps.Local.Api;

/// <summary><c>GET /api/health</c>: storage reachable, engine running, models loaded. Needs no key.</summary>
internal static class HealthApi
{
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/health", GetAsync);
        return app;
    }

    private static async Task<Results<Ok<Health>, JsonHttpResult<Health>>> GetAsync(
        BlobServiceClient blobs, DurableEngine engine, ServingModels models, TrafficLog traffic, CancellationToken cancellationToken)
    {
        var storage = await StorageReachableAsync(blobs, cancellationToken);
        var engineState = !engine.IsRunning ? "stopped" : engine.IsHealthy ? "running" : "waiting for storage";
        var health = new Health(
            storage && engine.IsRunning && engine.IsHealthy ? "healthy" : "unhealthy",
            storage ? "reachable" : "unreachable",
            engineState,
            models.Loaded.Select(m => new LoadedModel(m.Model, m.Version)).ToList(),
            traffic.Counters,
            ProcessHealth.Now());
        return health.Status == "healthy"
            ? TypedResults.Ok(health)
            : TypedResults.Json(health, statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    private static async Task<bool> StorageReachableAsync(BlobServiceClient blobs, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(2));
        try
        {
            await blobs.GetBlobContainerClient(Core.Storage.StorageLayout.Datasets).ExistsAsync(timeout.Token);
            return true;
        }
        catch (Exception e) when (e is Azure.RequestFailedException or OperationCanceledException or HttpRequestException)
        {
            return false;
        }
    }

    internal sealed record Health(string Status, string Storage, string Engine, IReadOnlyList<LoadedModel> LoadedModels, TrafficLogCounters Traffic,
        ProcessHealth Process);

    internal sealed record LoadedModel(string Model, int Version);

    /// <summary>
    /// The host process's runtime: memory, garbage collections and the time they paused the process (every request
    /// waits through a pause), and the thread pool, whose queue grows when requests arrive faster than they are served.
    /// </summary>
    internal sealed record ProcessHealth(
        long WorkingSetBytes, long HeapBytes, long AllocatedBytes, int Gen0Collections, int Gen1Collections, int Gen2Collections,
        double GcPausedMilliseconds, int ThreadPoolThreads, long ThreadPoolQueued, double UptimeSeconds)
    {
        private static readonly DateTime Started = System.Diagnostics.Process.GetCurrentProcess().StartTime.ToUniversalTime();

        public static ProcessHealth Now() => new(
            Environment.WorkingSet, GC.GetTotalMemory(forceFullCollection: false), GC.GetTotalAllocatedBytes(),
            GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration().TotalMilliseconds,
            ThreadPool.ThreadCount, ThreadPool.PendingWorkItemCount,
            (DateTime.UtcNow - Started).TotalSeconds);
    }
}
