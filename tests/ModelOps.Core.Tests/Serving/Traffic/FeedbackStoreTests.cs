using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using ModelOps.Core.Serving.Traffic;
using static ModelOps.Core.Tests.Serving.Traffic.TrafficTestKit;

namespace ModelOps.Core.Tests.Serving.Traffic;

public sealed class FeedbackStoreTests
{
    private static readonly DateTimeOffset Start = new(2025, 3, 1, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Labels_join_their_rows_the_latest_label_wins_and_unknown_ids_are_counted()
    {
        var blobs = await NewBlobsAsync();
        var time = new FakeTimeProvider(Start.AddMinutes(10));
        var log = new TrafficLog(blobs, new TrafficLogOptions { Host = "web-1" }, time);
        Assert.True(log.TryWrite(Record("a", 0, time.GetUtcNow())));
        Assert.True(log.TryWrite(Record("a", 1, time.GetUtcNow())));
        Assert.True(log.TryWrite(Record("b", 0, time.GetUtcNow())));
        Assert.True(log.TryWrite(Record("c", 0, time.GetUtcNow())));
        await log.StopAsync();

        var feedback = new FeedbackStore(blobs, time, new FeedbackStoreOptions { Host = "web-1" });
        time.Advance(TimeSpan.FromMinutes(30));
        Assert.Equal(3, await feedback.AddAsync(Churn, [Label("a", "yes"), Label("b", "no"), Label("nobody", "yes")]));
        time.Advance(TimeSpan.FromHours(1)); // the correction lands in the next hour's folder
        Assert.Equal(2, await feedback.AddAsync(Churn, [Label("a", "no"), Label("a", "yes", row: 1)]));

        var joined = await feedback.JoinAsync(Churn, Start, Start.AddHours(1));

        Assert.Equal(
            [("a", 0, "no"), ("a", 1, "yes"), ("b", 0, "no")],
            joined.Rows.Select(r => (r.Record.RequestId, r.Record.Row, r.Label.GetString())).OrderBy(x => x.RequestId).ThenBy(x => x.Row));
        Assert.Equal(4, joined.TrafficRecords);
        Assert.Equal(5, joined.FeedbackRecords);
        Assert.Equal(1, joined.UnmatchedFeedback);
        Assert.Equal(0, joined.CorruptLines);
        Assert.Equal(Start.AddMinutes(100), joined.Rows.Single(r => r.Record.RequestId == "a" && r.Record.Row == 0).LabelTime);
    }

    [Fact]
    public async Task Bad_feedback_is_refused_with_every_problem_and_nothing_is_stored()
    {
        var blobs = await NewBlobsAsync();
        var time = new FakeTimeProvider(Start);
        var feedback = new FeedbackStore(blobs, time, new FeedbackStoreOptions { Host = "web-1", MaxLabels = 3 });

        var error = await Assert.ThrowsAsync<FeedbackInputException>(() => feedback.AddAsync(Churn,
            [Label("", "yes"), new FeedbackLabel("x", default), Label("y", "yes", row: -1)]));
        Assert.Equal(3, error.Errors.Count);
        var tooMany = await Assert.ThrowsAsync<FeedbackInputException>(() => feedback.AddAsync(Churn,
            Enumerable.Range(0, 4).Select(i => Label($"r{i}", "yes")).ToList()));
        Assert.True(tooMany.TooMany);
        Assert.Empty(await BlobNamesAsync(blobs));
    }

    [Fact]
    public void The_feedback_body_reads_with_row_defaulting_to_zero()
    {
        var labels = JsonSerializer.Deserialize<List<FeedbackLabel>>(
            """[{"requestId":"r1","label":true},{"requestId":"r2","row":3,"label":"b"}]""", ModelOps.Core.Storage.Json.Options)!;

        Assert.Equal([("r1", 0, JsonValueKind.True), ("r2", 3, JsonValueKind.String)], labels.Select(l => (l.RequestId, l.Row, l.Label.ValueKind)));
    }

    private static FeedbackLabel Label(string requestId, string label, int row = 0) =>
        new(requestId, JsonSerializer.SerializeToElement(label), row);
}
