using Azure.Storage.Blobs;
using ModelOps.Testing;

namespace ModelOps.Durable.Tests;

public sealed class AzuriteSmokeTests
{
    [Fact]
    public async Task Each_test_account_is_isolated()
    {
        var a = new BlobServiceClient(await SharedAzurite.NewAccountAsync());
        var b = new BlobServiceClient(await SharedAzurite.NewAccountAsync());
        await a.GetBlobContainerClient("xyz").CreateAsync();
        Assert.True(await a.GetBlobContainerClient("xyz").ExistsAsync());
        Assert.False(await b.GetBlobContainerClient("xyz").ExistsAsync());
    }
}
