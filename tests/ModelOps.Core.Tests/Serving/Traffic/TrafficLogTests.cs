using Microsoft.Extensions.Time.Testing;
using ModelOps.Core.Serving.Traffic;
using ModelOps.Core.Storage;
using static ModelOps.Core.Tests.Serving.Traffic.TrafficTestKit;

namespace ModelOps.Core.Tests.Serving.Traffic;

public sealed class TrafficLogTests
{
    [Fact]
    public async Task Ten_thousand_records_from_several_threads_are_each_in_the_blobs_once_after_a_graceful_stop()
    {
        var blobs = await NewBlobsAsync();
        // Small blocks and blobs so that the run also rolls to n+1 several times.
        var options = new TrafficLogOptions
        {
            Host = "web-1", Capacity = 20_000, MaxBatch = 500, MaxBlockBytes = 128 * 1024, MaxBlobBytes = 512 * 1024,
        };
        var log = new TrafficLog(blobs, options, TimeProvider.System);
        await log.StartAsync();

        var now = DateTimeOffset.UtcNow;
        await Task.WhenAll(Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < 2_500; i++)
            {
                Assert.True(log.TryWrite(Record($"t{t}-{i}", time: now)));
            }
        })));
        await log.StopAsync();

        var records = await AllRecordsAsync(blobs);
        Assert.Equal(10_000, records.Count);
        Assert.Equal(10_000, records.Select(r => r.RequestId).Distinct().Count());
        var counters = log.Counters;
        Assert.Equal((10_000, 0, 0, 0), (counters.Written, counters.Dropped, counters.Rejected, counters.Pending));
        var names = await BlobNamesAsync(blobs);
        Assert.True(names.Count > 1, "the small blob cap rolls the file");
        Assert.All(names, n => Assert.StartsWith(StorageLayout.TrafficHourPrefix(Churn, TrafficStream.HourOf(now)) + "web-1-", n));
        Assert.False(log.TryWrite(Record("after-stop")));
        Assert.Equal(1, log.Counters.Dropped);
    }

    [Fact]
    public async Task Records_land_in_the_folder_of_their_hour_and_a_window_reads_only_its_hours()
    {
        var blobs = await NewBlobsAsync();
        var time = new FakeTimeProvider(new DateTimeOffset(2025, 3, 1, 10, 30, 0, TimeSpan.Zero));
        var log = new TrafficLog(blobs, new TrafficLogOptions { Host = "web-1" }, time);
        await log.StartAsync();

        WriteRequest(log, "ten", rows: 3);
        time.Advance(TimeSpan.FromHours(1)); // 11:30
        WriteRequest(log, "eleven", rows: 2);
        time.Advance(TimeSpan.FromMinutes(45)); // 12:15
        WriteRequest(log, "twelve", rows: 1);
        await log.StopAsync();

        var names = await BlobNamesAsync(blobs);
        Assert.Equal(["churn/2025/03/01/10/web-1-0.jsonl", "churn/2025/03/01/11/web-1-0.jsonl", "churn/2025/03/01/12/web-1-0.jsonl"], names.Order());

        var reader = new TrafficReader(blobs);
        var day = new DateTimeOffset(2025, 3, 1, 0, 0, 0, TimeSpan.Zero);
        var elevenOnly = await reader.ReadWindowAsync(Churn, day.AddHours(11), day.AddHours(12));
        Assert.Equal(["eleven", "eleven"], elevenOnly.Records.Select(r => r.RequestId));
        Assert.Equal([0, 1], elevenOnly.Records.Select(r => r.Row));
        Assert.Equal(1, elevenOnly.Blobs);

        var partial = await reader.ReadWindowAsync(Churn, day.AddHours(10).AddMinutes(31), day.AddHours(12).AddMinutes(15));
        Assert.Equal(["eleven", "eleven"], partial.Records.Select(r => r.RequestId));
        Assert.Equal(3, partial.Blobs);

        var wholeDay = await reader.ReadWindowAsync(Churn, day, day.AddDays(1));
        Assert.Equal(6, wholeDay.Records.Count);
        Assert.Equal(new DateTimeOffset(2025, 3, 1, 11, 30, 0, TimeSpan.Zero), elevenOnly.Records[0].Time);
        Assert.Equal(2, elevenOnly.Records[0].RequestRows);
        Assert.Empty((await reader.ReadWindowAsync(Churn, day.AddDays(1), day.AddDays(2))).Records);
    }

    [Fact]
    public async Task A_record_larger_than_the_limit_is_rejected_and_counted()
    {
        var blobs = await NewBlobsAsync();
        await using var log = new TrafficLog(blobs, new TrafficLogOptions { Host = "web-1", MaxRecordBytes = 300, MaxBlockBytes = 4096 }, TimeProvider.System);
        var big = Record("big") with { RequestId = new string('x', 120), Features = Enumerable.Range(0, 50).ToDictionary(i => $"f{i}", i => System.Text.Json.JsonSerializer.SerializeToElement(i)) };

        Assert.False(log.TryWrite(big));
        Assert.True(log.TryWrite(Record("small")));
        Assert.Equal(1, log.Counters.Rejected);
        Assert.Throws<ArgumentException>(() => log.TryWrite(Record("")));
        Assert.Throws<ArgumentException>(() => new TrafficLog(blobs, new TrafficLogOptions { Host = "Web_1", Capacity = 0 }, TimeProvider.System));
    }

    [Fact]
    public void Writing_on_the_hot_path_never_waits_for_storage()
    {
        // Storage that does not answer (nothing listens on port 1) and a log whose flusher never started: a scored
        // row is only serialised into the buffer, so every write is taken at once and waits there. (How long a write
        // takes is measured in bench/ModelOps.Serving.Bench, not here.)
        var blobs = new Azure.Storage.Blobs.BlobServiceClient(
            "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" + ModelOps.Local.Storage.Azurite.DevelopmentKey +
            ";BlobEndpoint=http://127.0.0.1:1/devstoreaccount1;");
        var log = new TrafficLog(blobs, new TrafficLogOptions { Host = "hot-path", Capacity = 20_000 }, TimeProvider.System);
        var record = Record("hot");

        var taken = Enumerable.Range(0, 20_000).Count(_ => log.TryWrite(record));

        Assert.Equal(20_000, taken);
        Assert.Equal(20_000, log.Counters.Pending);
        Assert.Equal(0, log.Counters.Written);
        Assert.Equal(0, log.Counters.Dropped);
    }

    private static void WriteRequest(TrafficLog log, string requestId, int rows)
    {
        var records = Enumerable.Range(0, rows).Select(_ => Record(requestId)).ToList();
        var taken = log.TryWriteRequest(Churn, 3, requestId, records.Select(r => r.Features).ToList(),
            records.Select(r => r.Prediction).ToList(), TimeSpan.FromMilliseconds(2));
        Assert.Equal(rows, taken);
    }
}
