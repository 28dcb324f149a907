using Azure;
using Azure.Storage.Blobs;
using ModelOps.Core.Storage;
using ModelOps.Testing;

namespace ModelOps.Core.Tests.Pipelines;

/// <summary>Run files (RunStore.OpenWriteAsync) are uploaded while they are written: what lands must be exactly what was written.</summary>
public sealed class BlobUploadStreamTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(100)]
    [InlineData(11 * 1024 * 1024 + 7)] // three blocks, the last one short
    public async Task What_was_written_is_the_blob_once_the_stream_is_disposed(int size)
    {
        var container = await NewContainerAsync();
        var data = new byte[size];
        new Random(size).NextBytes(data);
        var blob = container.GetBlobClient("file.bin");
        await using (var stream = new BlobUploadStream(blob, CancellationToken.None))
        {
            // Writes of every size, sync and async, as BinaryWriter and BufferedStream make them.
            for (var (at, n) = (0, 1); at < size; at += n, n = n * 7 % 300_001 + 1)
            {
                var count = Math.Min(n, size - at);
                if (n % 2 == 0) stream.Write(data, at, count);
                else await stream.WriteAsync(data.AsMemory(at, count));
            }
            Assert.False(await blob.ExistsAsync()); // it appears whole, when the stream is disposed
        }
        Assert.Equal(data, (await blob.DownloadContentAsync()).Value.Content.ToArray());
    }

    [Fact]
    public async Task A_failed_upload_fails_the_writer_instead_of_losing_the_bytes()
    {
        var missing = new BlobServiceClient(await SharedAzurite.NewAccountAsync()).GetBlobContainerClient("no-such-container").GetBlobClient("file.bin");
        var data = new byte[1 << 20];
        var failed = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var stream = new BlobUploadStream(missing, CancellationToken.None);
            for (var i = 0; i < 64; i++)
            {
                await stream.WriteAsync(data); // 64 MB: more than the pipe holds, so the writer must hear of the failure
            }
        });
        Assert.True(failed is RequestFailedException or IOException, failed.ToString());
        Assert.False(await missing.ExistsAsync());
    }

    private static async Task<BlobContainerClient> NewContainerAsync()
    {
        var container = new BlobServiceClient(await SharedAzurite.NewAccountAsync()).GetBlobContainerClient("runs");
        await container.CreateIfNotExistsAsync();
        return container;
    }
}
