using Azure.Storage.Blobs;
using ModelOps.Core.Registry;
using ModelOps.Core.Serving;
using ModelOps.Core.Serving.Onnx;
using ModelOps.Core.Storage;
using ModelOps.Testing;

namespace ModelOps.Core.Tests.Serving.Onnx;

/// <summary>A registry on a fresh Azurite account, and the test graphs imported into it as a user would import them.</summary>
internal sealed class OnnxImportKit
{
    private OnnxImportKit(ModelRegistry registry, DatasetCatalog datasets)
    {
        Registry = registry;
        Import = new OnnxImport(registry, datasets);
    }

    public ModelRegistry Registry { get; }

    public OnnxImport Import { get; }

    public static async Task<OnnxImportKit> StartAsync()
    {
        var blobs = new BlobServiceClient(await SharedAzurite.NewAccountAsync());
        foreach (var container in StorageLayout.Containers)
        {
            await blobs.GetBlobContainerClient(container).CreateIfNotExistsAsync();
        }
        return new OnnxImportKit(new ModelRegistry(blobs, TimeProvider.System), new DatasetCatalog(blobs));
    }

    /// <summary>Imports one of the test graphs with its reference data.</summary>
    public async Task<OnnxImportResult> ImportAsync(string sample, string? label = null, string? alias = null, byte[]? graph = null, string? data = null)
    {
        var path = data ?? OnnxSamples.DataPath(sample);
        await using var file = File.OpenRead(path);
        return await Import.ImportAsync(new OnnxImportRequest(ModelName.Parse(sample), Path.GetFileName(path), label, Alias: alias),
            graph ?? OnnxSamples.Graph(sample), file, CancellationToken.None);
    }

    /// <summary>Imports a test graph and loads the version as serving does: manifest and model.onnx from the registry.</summary>
    public async Task<IModelScorer> ServeAsync(string sample, string? label = null)
    {
        var manifest = (await ImportAsync(sample, label)).Manifest;
        using var file = await Registry.DownloadModelAsync(manifest, CancellationToken.None);
        return ScorerLoader.Load(manifest, file);
    }
}
