using System.Collections.Concurrent;
using ModelOps.Core.Registry;
using ModelOps.Core.Storage;

namespace ModelOps.Core.Serving;

/// <summary>A model version loaded for scoring.</summary>
public sealed record ServedModel(ModelManifest Manifest, IModelScorer Scorer);

/// <summary>
/// The production version of each model, loaded once and swapped when the alias moves: the alias is re-read about
/// every refresh interval, so a deployment reaches a running host without a restart. The re-read happens beside the
/// requests, one at a time per model, while they go on with the version known; a request waits for it only when the
/// known version is more than two intervals old (the host was idle). A version no longer served is disposed (an ONNX
/// session is released once its calls in flight finish).
/// </summary>
public sealed class ServingModels(ModelRegistry registry, TimeProvider time) : IDisposable
{
    private readonly ConcurrentDictionary<(string Model, int Version), Lazy<Task<ServedModel>>> _loaded = new();
    private readonly ConcurrentDictionary<string, (int? Version, long ReadAt)> _aliases = new();
    private readonly ConcurrentDictionary<string, Task> _refreshing = new();

    /// <summary>How long an unloaded version stays usable by requests that were handed it before the swap.</summary>
    private static readonly TimeSpan UnloadGrace = TimeSpan.FromSeconds(30);

    /// <summary>How long a resolved alias is trusted before it is read again.</summary>
    public TimeSpan AliasRefreshInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Versions loaded in this process, newest first per model.</summary>
    public IReadOnlyList<(string Model, int Version)> Loaded =>
        _loaded.Where(e => e.Value.IsValueCreated && e.Value.Value.IsCompletedSuccessfully)
            .Select(e => e.Key).OrderBy(k => k.Model).ThenByDescending(k => k.Version).ToList();

    /// <summary>The model's production version, loaded; null when the model has none.</summary>
    public async Task<ServedModel?> GetProductionAsync(ModelName model, CancellationToken cancellationToken)
    {
        var version = await ProductionVersionAsync(model, cancellationToken);
        if (version is null)
        {
            return null;
        }
        var key = (model.Value, version.Value);
        var entry = _loaded.GetOrAdd(key, k => new Lazy<Task<ServedModel>>(() => LoadAsync(model, k.Item2)));
        try
        {
            var served = await entry.Value.WaitAsync(cancellationToken);
            Unload(model, keep: version.Value);
            return served;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _loaded.TryRemove(key, out _);
            throw;
        }
    }

    private async Task<int?> ProductionVersionAsync(ModelName model, CancellationToken cancellationToken)
    {
        if (_aliases.TryGetValue(model, out var known))
        {
            var age = time.GetElapsedTime(known.ReadAt);
            if (age < AliasRefreshInterval)
            {
                return known.Version;
            }
            if (age < 2 * AliasRefreshInterval)
            {
                // Under load the alias turns stale every interval: re-read it beside the requests, not in front of them
                // (a storage round trip, which every request arriving meanwhile would otherwise repeat).
                // A failed read is retried by the next request; it stays unobserved only here.
                _ = RefreshAliasAsync(model).ContinueWith(static t => t.Exception, TaskContinuationOptions.OnlyOnFaulted);
                return known.Version;
            }
        }
        await RefreshAliasAsync(model).WaitAsync(cancellationToken);
        return _aliases.TryGetValue(model, out var read) ? read.Version : null;
    }

    /// <summary>Re-reads the model's production alias; one read in flight per model, which every caller meanwhile shares.</summary>
    private Task RefreshAliasAsync(ModelName model)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = _refreshing.GetOrAdd(model.Value, started.Task);
        if (running != started.Task)
        {
            return running;
        }
        _ = ReadAsync();
        return running;

        async Task ReadAsync()
        {
            try
            {
                var now = time.GetTimestamp();
                var alias = await registry.GetAliasAsync(model, ModelRegistry.Production, CancellationToken.None);
                _aliases[model.Value] = (alias?.Version, now);
                _refreshing.TryRemove(model.Value, out _);
                started.SetResult();
            }
            catch (Exception e)
            {
                _refreshing.TryRemove(model.Value, out _);
                started.SetException(e); // the requests waiting for it see the storage error; one refreshing beside them does not
            }
        }
    }

    private async Task<ServedModel> LoadAsync(ModelName model, int version)
    {
        var manifest = await registry.GetManifestAsync(model, version, CancellationToken.None)
            ?? throw new InvalidOperationException($"Production points at version {version} of '{model}', which is not registered.");
        using var buffer = await registry.DownloadModelAsync(manifest, CancellationToken.None);
        return new ServedModel(manifest, ScorerLoader.Load(manifest, buffer));
    }

    /// <summary>Drops older versions of a model once a newer one serves, so memory holds one version per model.</summary>
    private void Unload(ModelName model, int keep)
    {
        foreach (var key in _loaded.Keys)
        {
            if (key.Model == model.Value && key.Version != keep && _loaded.TryRemove(key, out var old))
            {
                _ = DisposeLaterAsync(old);
            }
        }
    }

    /// <summary>Releases every loaded version (the host is stopping).</summary>
    public void Dispose()
    {
        foreach (var key in _loaded.Keys)
        {
            if (_loaded.TryRemove(key, out var entry))
            {
                Dispose(entry);
            }
        }
    }

    /// <summary>
    /// A request may hold the old version it was handed a moment before the swap; it gets a grace period to start
    /// scoring (calls already scoring are safe regardless: the scorer releases its session after them).
    /// </summary>
    private async Task DisposeLaterAsync(Lazy<Task<ServedModel>> entry)
    {
        await Task.Delay(UnloadGrace, time);
        Dispose(entry);
    }

    private static void Dispose(Lazy<Task<ServedModel>> entry)
    {
        if (entry.IsValueCreated && entry.Value.IsCompletedSuccessfully)
        {
            entry.Value.Result.Scorer.Dispose();
        }
    }
}
