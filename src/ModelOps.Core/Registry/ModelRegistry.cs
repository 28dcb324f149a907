using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using ModelOps.Core.Storage;

namespace ModelOps.Core.Registry;

/// <summary>
/// Model versions and aliases over the <c>registry</c> container. Versions are immutable; aliases move only with an
/// ETag condition, so two deployments can never silently overwrite each other.
/// </summary>
public sealed partial class ModelRegistry(BlobServiceClient blobs, TimeProvider time)
{
    public const string Production = "production";

    private const string RunIdMetadata = "runid";
    private readonly BlobContainerClient _container = blobs.GetBlobContainerClient(StorageLayout.Registry);

    // Versions never change once written, so their manifests are cached for good.
    private readonly ConcurrentDictionary<(string Model, int Version), ModelManifest> _manifests = new();

    /// <summary>
    /// Registers a new version with the next free number. Idempotent per run: a retried registration of the
    /// same run returns the version it already made.
    /// </summary>
    public async Task<ModelManifest> RegisterAsync(ModelManifest draft, Stream model, CancellationToken cancellationToken)
    {
        var versions = await ListVersionsAsync(draft.Model, cancellationToken);
        if (versions.FirstOrDefault(v => v.RunId == draft.RunId) is { } existing)
        {
            return existing;
        }
        var version = versions.Count == 0 ? 1 : versions.Max(v => v.Version) + 1;
        while (true)
        {
            var modelBlob = _container.GetBlobClient(StorageLayout.VersionFile(draft.Model, version, draft.ModelFile));
            model.Position = 0;
            try
            {
                await modelBlob.UploadAsync(model, new BlobUploadOptions
                {
                    Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
                    Metadata = new Dictionary<string, string> { [RunIdMetadata] = draft.RunId },
                }, cancellationToken);
                break;
            }
            catch (RequestFailedException e) when (e.Status is (int)HttpStatusCode.Conflict or (int)HttpStatusCode.PreconditionFailed)
            {
                // Taken: by this run before a crash (finish it) or by another run (try the next number).
                var properties = await modelBlob.GetPropertiesAsync(cancellationToken: cancellationToken);
                if (properties.Value.Metadata.TryGetValue(RunIdMetadata, out var owner) && owner == draft.RunId)
                {
                    break;
                }
                version++;
            }
        }
        var manifest = draft with { Version = version, CreatedTime = time.GetUtcNow(), ModelBytes = model.Length };
        await _container.GetBlobClient(StorageLayout.VersionFile(draft.Model, version, "manifest.json"))
            .UploadAsync(BinaryData.FromObjectAsJson(manifest, Json.Options), overwrite: true, cancellationToken);
        _manifests[(manifest.Model, version)] = manifest;
        return manifest;
    }

    /// <summary>Every registered version of a model, oldest first.</summary>
    public async Task<IReadOnlyList<ModelManifest>> ListVersionsAsync(ModelName model, CancellationToken cancellationToken)
    {
        var numbers = new List<int>();
        await foreach (var item in _container.GetBlobsByHierarchyAsync(
            BlobTraits.None, BlobStates.None, "/", StorageLayout.VersionsPrefix(model), cancellationToken))
        {
            if (item.IsPrefix && int.TryParse(item.Prefix.TrimEnd('/').Split('/')[^1], out var n))
            {
                numbers.Add(n);
            }
        }
        var manifests = await Task.WhenAll(numbers.Select(n => GetManifestAsync(model, n, cancellationToken)));
        return manifests.OfType<ModelManifest>().OrderBy(m => m.Version).ToList();
    }

    /// <summary>A version's manifest, or null when the version does not exist (or its registration never finished).</summary>
    public async Task<ModelManifest?> GetManifestAsync(ModelName model, int version, CancellationToken cancellationToken)
    {
        if (_manifests.TryGetValue((model, version), out var cached))
        {
            return cached;
        }
        try
        {
            var content = await _container.GetBlobClient(StorageLayout.VersionFile(model, version, "manifest.json"))
                .DownloadContentAsync(cancellationToken);
            var manifest = content.Value.Content.ToObjectFromJson<ModelManifest>(Json.Options)!;
            _manifests[(model, version)] = manifest;
            return manifest;
        }
        catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>A version's model file, downloaded into memory (model loaders need a seekable stream).</summary>
    public async Task<MemoryStream> DownloadModelAsync(ModelManifest manifest, CancellationToken cancellationToken)
    {
        var buffer = new MemoryStream();
        await _container.GetBlobClient(StorageLayout.VersionFile(manifest.Model, manifest.Version, manifest.ModelFile))
            .DownloadToAsync(buffer, cancellationToken);
        buffer.Position = 0;
        return buffer;
    }

    /// <summary>Writes a companion file of a version (its baseline, for one), beside its manifest.</summary>
    public async Task WriteVersionFileAsync<T>(ModelName model, int version, string file, T content, CancellationToken cancellationToken) =>
        await _container.GetBlobClient(StorageLayout.VersionFile(model, version, file))
            .UploadAsync(BinaryData.FromObjectAsJson(content, Json.Options), overwrite: true, cancellationToken);

    /// <summary>A companion file of a version, or default when the version has none.</summary>
    public async Task<T?> ReadVersionFileAsync<T>(ModelName model, int version, string file, CancellationToken cancellationToken)
    {
        try
        {
            var content = await _container.GetBlobClient(StorageLayout.VersionFile(model, version, file)).DownloadContentAsync(cancellationToken);
            return content.Value.Content.ToObjectFromJson<T>(Json.Options);
        }
        catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.NotFound)
        {
            return default;
        }
    }

    /// <summary>Names of every model with at least one blob in the registry.</summary>
    public async Task<IReadOnlyList<ModelName>> ListModelsAsync(CancellationToken cancellationToken)
    {
        var names = new List<ModelName>();
        if (!await _container.ExistsAsync(cancellationToken))
        {
            return names;
        }
        await foreach (var item in _container.GetBlobsByHierarchyAsync(BlobTraits.None, BlobStates.None, "/", null, cancellationToken))
        {
            if (item.IsPrefix && ModelName.TryParse(item.Prefix.TrimEnd('/'), out var name, out _))
            {
                names.Add(name);
            }
        }
        return names;
    }

    /// <summary>Where an alias points, or null when it is not set.</summary>
    public async Task<AliasTarget?> GetAliasAsync(ModelName model, string alias, CancellationToken cancellationToken)
    {
        try
        {
            var content = await AliasBlob(model, alias).DownloadContentAsync(cancellationToken);
            var body = content.Value.Content.ToObjectFromJson<AliasBody>(Json.Options)!;
            return new AliasTarget(body.Version, body.UpdatedTime, body.Reason, content.Value.Details.ETag.ToString());
        }
        catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>Every alias of a model and the version it points at.</summary>
    public async Task<IReadOnlyDictionary<string, AliasTarget>> GetAliasesAsync(ModelName model, CancellationToken cancellationToken)
    {
        var aliases = new SortedDictionary<string, AliasTarget>(StringComparer.Ordinal);
        var prefix = StorageLayout.Alias(model, "");
        prefix = prefix[..prefix.LastIndexOf('/')] + "/";
        await foreach (var blob in _container.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix, cancellationToken))
        {
            var alias = Path.GetFileNameWithoutExtension(blob.Name);
            if (await GetAliasAsync(model, alias, cancellationToken) is { } target)
            {
                aliases[alias] = target;
            }
        }
        return aliases;
    }

    /// <summary>
    /// Points an alias at a version, only if the alias is still where the caller last saw it:
    /// <paramref name="expectedETag"/> null means "the alias must not exist yet".
    /// </summary>
    /// <exception cref="AliasConflictException">Someone else moved the alias in between.</exception>
    public async Task<AliasTarget> SetAliasAsync(
        ModelName model, string alias, int version, string? expectedETag, string reason, CancellationToken cancellationToken)
    {
        ValidateAlias(alias);
        if (await GetManifestAsync(model, version, cancellationToken) is null)
        {
            throw new KeyNotFoundException($"Model '{model}' has no version {version}.");
        }
        var body = new AliasBody(version, time.GetUtcNow(), reason);
        var conditions = expectedETag is null
            ? new BlobRequestConditions { IfNoneMatch = ETag.All }
            : new BlobRequestConditions { IfMatch = new ETag(expectedETag) };
        try
        {
            var response = await AliasBlob(model, alias).UploadAsync(
                BinaryData.FromObjectAsJson(body, Json.Options),
                new BlobUploadOptions { Conditions = conditions },
                cancellationToken);
            return new AliasTarget(version, body.UpdatedTime, reason, response.Value.ETag.ToString());
        }
        catch (RequestFailedException e) when (e.Status is (int)HttpStatusCode.Conflict or (int)HttpStatusCode.PreconditionFailed)
        {
            throw new AliasConflictException(
                $"The '{alias}' alias of model '{model}' was changed by someone else since it was read; it was not moved to version {version}.");
        }
    }

    private BlobClient AliasBlob(ModelName model, string alias) => _container.GetBlobClient(StorageLayout.Alias(model, alias));

    /// <exception cref="ArgumentException">The alias is not 1 to 63 lowercase letters, digits and '-'.</exception>
    internal static void ValidateAlias(string alias)
    {
        if (!AliasPattern().IsMatch(alias))
        {
            throw new ArgumentException($"'{alias}' is not a valid alias: use 1 to 63 lowercase letters, digits and '-'.", nameof(alias));
        }
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,62}$")]
    private static partial Regex AliasPattern();

    private sealed record AliasBody(int Version, DateTimeOffset UpdatedTime, string? Reason);
}

/// <summary>An alias moved between read and write; nothing was changed.</summary>
public sealed class AliasConflictException(string message) : Exception(message);
