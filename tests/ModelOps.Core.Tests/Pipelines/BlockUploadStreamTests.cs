using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using ModelOps.Core.Storage;
using ModelOps.Testing;

namespace ModelOps.Core.Tests.Pipelines;

/// <summary>The run files' write stream, against Azurite: blocks upload behind the writer and become the blob only when completed.</summary>
public sealed class BlockUploadStreamTests
{
    private static async Task<BlobContainerClient> NewContainerAsync()
    {
        var container = new BlobServiceClient(await SharedAzurite.NewAccountAsync()).GetBlobContainerClient("runs");
        await container.CreateIfNotExistsAsync();
        return container;
    }

    [Theory]
    [InlineData(16, 1)]
    [InlineData(1_000, 2)]
    [InlineData(4_096, 16)]
    public async Task Writes_of_any_size_come_back_in_order_once_completed(int blockBytes, int maxInFlight)
    {
        var blob = (await NewContainerAsync()).GetBlockBlobClient("a/data.chunks");
        var random = new Random(blockBytes);
        var expected = new MemoryStream();
        await using var stream = new BlockUploadStream(blob, blockBytes, maxInFlight);
        for (var i = 0; i < 60; i++)
        {
            var piece = new byte[random.Next(0, 3 * blockBytes + 5)];
            random.NextBytes(piece);
            expected.Write(piece);
            if (i % 3 == 0)
            {
                await stream.WriteAsync(piece);
            }
            else
            {
                stream.Write(piece);
                stream.WriteByte(piece.Length == 0 ? (byte)7 : piece[0]);
                expected.WriteByte(piece.Length == 0 ? (byte)7 : piece[0]);
                await stream.WaitForRoomAsync();
            }
        }

        await stream.CompleteAsync();

        Assert.Equal(expected.ToArray(), (await blob.DownloadContentAsync()).Value.Content.ToArray());
        Assert.Equal(expected.Length, stream.Length);
    }

    [Fact]
    public async Task An_abandoned_write_leaves_the_blob_as_it_was_and_an_empty_one_completes_empty()
    {
        var container = await NewContainerAsync();
        var blob = container.GetBlockBlobClient("b/train.chunks");
        await container.GetBlobClient("b/train.chunks").UploadAsync(BinaryData.FromString("the last run's file"), overwrite: true);

        await using (var stream = new BlockUploadStream(blob, blockBytes: 8))
        {
            stream.Write(new byte[100]);
            await stream.WaitForRoomAsync();
            // An exception on the way: disposed without CompleteAsync.
        }

        Assert.Equal("the last run's file", (await blob.DownloadContentAsync()).Value.Content.ToString());
        var empty = container.GetBlockBlobClient("b/empty.jsonl");
        await using (var stream = new BlockUploadStream(empty))
        {
            await stream.CompleteAsync();
        }
        Assert.Equal(0, (await empty.GetPropertiesAsync()).Value.ContentLength);
    }

    [Fact]
    public async Task Two_writers_of_one_blob_never_mix_their_blocks_the_first_to_complete_wins_and_the_other_fails()
    {
        var blob = (await NewContainerAsync()).GetBlockBlobClient("d/data.chunks");
        await using var first = new BlockUploadStream(blob, blockBytes: 8);
        await using var second = new BlockUploadStream(blob, blockBytes: 8);
        for (var i = 0; i < 4; i++)
        {
            first.Write("aaaaaaaa"u8);
            await first.WaitForRoomAsync();
            second.Write("bbbbbbbb"u8);
            await second.WaitForRoomAsync();
        }

        // A retried activity and its first attempt, still running: the first commit makes the blob whole, and the
        // service drops every block not in it, so the later commit fails instead of mixing the two files.
        await second.CompleteAsync();
        Assert.Equal(new string('b', 32), (await blob.DownloadContentAsync()).Value.Content.ToString());
        await Assert.ThrowsAsync<RequestFailedException>(() => first.CompleteAsync());
        Assert.Equal(new string('b', 32), (await blob.DownloadContentAsync()).Value.Content.ToString());
    }

    [Fact]
    public async Task A_failed_upload_surfaces_when_the_writer_waits_or_completes()
    {
        var missing = new BlobServiceClient(await SharedAzurite.NewAccountAsync()).GetBlobContainerClient("no-such-container")
            .GetBlockBlobClient("c/data.chunks");
        await using var stream = new BlockUploadStream(missing, blockBytes: 16, maxInFlight: 1);

        stream.Write(new byte[40]);

        var failure = await Assert.ThrowsAsync<RequestFailedException>(async () =>
        {
            for (var i = 0; i < 100; i++)
            {
                await stream.WaitForRoomAsync();
                stream.Write(new byte[16]);
            }
            await stream.CompleteAsync();
        });
        Assert.Equal(404, failure.Status);
    }
}
