using System.Text;
using Azure.Storage.Blobs.Specialized;
using Microsoft.Extensions.Time.Testing;
using ModelOps.Core.Serving;
using ModelOps.Core.Serving.Traffic;
using ModelOps.Core.Storage;
using static ModelOps.Core.Tests.Serving.Traffic.TrafficTestKit;

namespace ModelOps.Core.Tests.Serving.Traffic;

public sealed class TrafficReaderTests
{
    private static readonly DateTimeOffset Start = new(2025, 3, 1, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Corrupt_lines_are_skipped_and_counted()
    {
        var blobs = await NewBlobsAsync();
        var time = new FakeTimeProvider(Start.AddMinutes(5));
        var log = new TrafficLog(blobs, new TrafficLogOptions { Host = "web-1" }, time);
        Assert.True(log.TryWrite(Record("good-1", time: time.GetUtcNow())));
        await log.StopAsync();
        var blob = blobs.GetBlobContainerClient(StorageLayout.Traffic).GetAppendBlobClient((await BlobNamesAsync(blobs)).Single());
        // Torn JSON, a record without its prediction, a bad model name, then a good line again.
        var garbage = "{\"requestId\":\"torn\",\"row\"\n{\"requestId\":\"x\",\"row\":0,\"time\":\"2025-03-01T10:06:00Z\",\"model\":\"churn\",\"version\":3,\"features\":{}}\n"
            + "{\"requestId\":\"y\",\"row\":0,\"time\":\"2025-03-01T10:06:00Z\",\"model\":\"Not A Name\",\"version\":3,\"features\":{},\"prediction\":{\"value\":1}}\n";
        await blob.AppendBlockAsync(new MemoryStream(Encoding.UTF8.GetBytes(garbage)));
        var good = Record("good-2", time: Start.AddMinutes(7)) with { Prediction = new MulticlassPrediction("b", new Dictionary<string, double> { ["a"] = 0.1, ["b"] = 0.9 }) };
        await blob.AppendBlockAsync(new MemoryStream(Encoding.UTF8.GetBytes(System.Text.Json.JsonSerializer.Serialize(good, Json.Options) + "\n")));

        var window = await new TrafficReader(blobs).ReadWindowAsync(Churn, Start, Start.AddHours(1));

        Assert.Equal(["good-1", "good-2"], window.Records.Select(r => r.RequestId));
        Assert.Equal(3, window.CorruptLines);
        var read = Assert.IsType<MulticlassPrediction>(window.Records[1].Prediction);
        Assert.Equal(0.9, read.Probabilities["b"]);
        Assert.IsType<BinaryPrediction>(window.Records[0].Prediction);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, window.Records[0].Features["note"].ValueKind);
    }

    [Fact]
    public async Task A_model_without_traffic_reads_as_an_empty_window()
    {
        var blobs = await NewBlobsAsync();
        var window = await new TrafficReader(blobs).ReadWindowAsync(Churn, Start, Start.AddDays(3));
        Assert.Empty(window.Records);
        Assert.Equal(0, window.Blobs);
    }
}
