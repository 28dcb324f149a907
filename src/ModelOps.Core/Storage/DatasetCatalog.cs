using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace ModelOps.Core.Storage;

/// <summary>The data files a model has in the drop zone.</summary>
public sealed class DatasetCatalog(BlobServiceClient blobs)
{
    private readonly BlobContainerClient _container = blobs.GetBlobContainerClient(StorageLayout.Datasets);

    /// <summary>The model's data blobs (not its config), in name order.</summary>
    public async Task<IReadOnlyList<BlobItem>> ListAsync(ModelName model, CancellationToken cancellationToken)
    {
        var items = new List<BlobItem>();
        if (!await _container.ExistsAsync(cancellationToken))
        {
            return items;
        }
        await foreach (var blob in _container.GetBlobsAsync(BlobTraits.None, BlobStates.None, StorageLayout.DatasetPrefix(model), cancellationToken))
        {
            if (StorageLayout.IsDataFile(blob.Name) && blob.Name.IndexOf('/', model.Value.Length + 1) < 0)
            {
                items.Add(blob);
            }
        }
        return items.OrderBy(b => b.Name, StringComparer.Ordinal).ToList();
    }

    public async Task<bool> HasDataAsync(ModelName model, CancellationToken cancellationToken) =>
        (await ListAsync(model, cancellationToken)).Count > 0;

    public BlobClient Blob(string name) => _container.GetBlobClient(name);

    /// <summary>The model's config from <c>datasets/{model}/modelops.json</c>; the defaults when there is none.</summary>
    /// <exception cref="Pipelines.InvalidModelConfigException">The config is not valid; the message lists every problem.</exception>
    public async Task<Pipelines.ModelConfig> ReadConfigAsync(ModelName model, CancellationToken cancellationToken)
    {
        try
        {
            var content = await Blob(StorageLayout.ModelConfig(model)).DownloadContentAsync(cancellationToken);
            return Pipelines.ModelConfig.Parse(content.Value.Content.ToMemory().Span);
        }
        catch (Azure.RequestFailedException e) when (e.Status == (int)System.Net.HttpStatusCode.NotFound)
        {
            return new Pipelines.ModelConfig();
        }
    }
}
