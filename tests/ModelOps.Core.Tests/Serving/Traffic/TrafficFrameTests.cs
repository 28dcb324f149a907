using System.Globalization;
using System.Text;
using System.Text.Json;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using Microsoft.Extensions.Time.Testing;
using ModelOps.Core.Data;
using ModelOps.Core.Serving.Traffic;
using ModelOps.Core.Storage;
using static ModelOps.Core.Tests.Serving.Traffic.TrafficTestKit;

namespace ModelOps.Core.Tests.Serving.Traffic;

/// <summary>
/// The window read straight into columns equals the record-by-record read (the serializer into <see cref="TrafficRecord"/>,
/// then <see cref="RecordTable"/>) on generated traffic full of the awkward cases.
/// </summary>
public sealed class TrafficFrameTests
{
    private static readonly DateTimeOffset Start = new(2025, 3, 1, 10, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset From = Start.AddMinutes(30);
    private static readonly DateTimeOffset To = Start.AddMinutes(150);

    private static readonly TableSchema Schema = new([
        new ColumnSchema("tenure", ColumnKind.Numeric), new ColumnSchema("plan", ColumnKind.Categorical),
        new ColumnSchema("active", ColumnKind.Boolean), new ColumnSchema("note", ColumnKind.Categorical),
        new ColumnSchema("Score", ColumnKind.Numeric)]);

    [Fact]
    public async Task The_lean_read_equals_the_record_read_for_every_version()
    {
        var blobs = await NewBlobsAsync();
        var ids = await WriteTrafficAsync(blobs, new Random(5), linesPerBlob: 300);
        var reader = new TrafficReader(blobs);

        foreach (var version in new int?[] { 3, 4, 5, 9, null })
        {
            var (frame, _) = await reader.ReadFrameAsync(Churn, new TrafficFrameRequest(Schema, From, To, version));
            var stats = new TrafficReadStats();
            var records = new List<TrafficRecord>();
            await foreach (var record in reader.ReadAsync(Churn, From, To, stats))
            {
                records.Add(record);
            }
            var served = records.Where(r => version is null || r.Version == version).ToList();
            var expected = RecordTable.Build(served, Schema);

            AssertSameTable(expected.Table, frame.Table, $"version {version}");
            Assert.Equal(expected.TypeErrors.OrderBy(e => e.Key), frame.TypeErrors.OrderBy(e => e.Key));
            Assert.Equal(served.Where(r => r.Row == 0).Select(r => r.LatencyMs), frame.RequestLatencies);
            Assert.Equal(stats.Records, frame.Records);
            Assert.Equal(stats.CorruptLines, frame.CorruptLines);
            Assert.Equal(stats.Blobs, frame.Blobs);
        }
        var all = (await reader.ReadFrameAsync(Churn, new TrafficFrameRequest(Schema, From, To, 3))).Frame;
        Assert.True(all.Table.RowCount > 300 && all.CorruptLines > 50 && all.TypeErrors.Count == Schema.Columns.Count && all.Records > all.Table.RowCount,
            $"the generated traffic exercises the cases: {all.Table.RowCount} rows, {all.CorruptLines} corrupt, {all.TypeErrors.Count} features with type errors");
        Assert.Equal(6 * 300, ids);
        // One instance per level, however many rows and blobs hold it.
        var plans = all.Table.Categorical("plan").Where(p => p is not null).ToArray();
        Assert.Equal(plans.Distinct().Count(), plans.Distinct(ReferenceEqualityComparer.Instance).Count());
    }

    [Fact]
    public async Task A_window_over_the_bound_is_sampled_the_same_on_every_read_and_one_within_it_is_read_whole()
    {
        var blobs = await NewBlobsAsync();
        await WriteTrafficAsync(blobs, new Random(8), linesPerBlob: 3_000);
        var reader = new TrafficReader(blobs);
        var whole = (await reader.ReadFrameAsync(Churn, new TrafficFrameRequest(Schema, From, To, 3))).Frame;

        // 6 blobs of 3,000 lines: a bound of 4,500 keeps about a quarter of the lines after each blob's first 200.
        var bounded = new TrafficFrameRequest(Schema, From, To, 3) { MaxRows = 4_500 };
        var sampled = (await reader.ReadFrameAsync(Churn, bounded)).Frame;
        var again = (await reader.ReadFrameAsync(Churn, new TrafficFrameRequest(Schema, From, To, 3) { MaxRows = 4_500 })).Frame;

        // About a quarter of the lines past each blob's first 199: a third of all lines read, in rows as in lines.
        Assert.InRange(sampled.SampledShare, 0.28, 0.38);
        Assert.Equal(1 - sampled.LinesLeftOut / 18_000.0, sampled.SampledShare, 9);
        var expected = sampled.SampledShare * whole.Table.RowCount;
        Assert.InRange(sampled.Table.RowCount, expected * 0.85, expected * 1.15);
        AssertSameTable(sampled.Table, again.Table, "the same bound twice");
        Assert.Equal(sampled.RequestLatencies, again.RequestLatencies);

        var within = (await reader.ReadFrameAsync(Churn, new TrafficFrameRequest(Schema, From, To, 3) { MaxRows = 1_000_000 })).Frame;
        Assert.Equal(1, within.SampledShare);
        Assert.Equal(0, within.LinesLeftOut);
        AssertSameTable(whole.Table, within.Table, "a bound the window is within");
    }

    [Fact]
    public void A_sampling_keeps_the_share_that_leaves_its_bound_of_each_blobs_lines()
    {
        var sampling = new WindowSampling(maxRows: 100_000, windowBytes: 400_000_000);
        var share = sampling.ShareFor(lines: 199, bytes: 199 * 400); // 400 bytes a line: a million lines in the window

        Assert.Equal(0.1, share, 12);
        var kept = 0;
        for (var blob = 0; blob < 10; blob++)
        {
            for (var line = 1L; line <= 100_000; line++)
            {
                kept += WindowSampling.Keeps(blob, line, share) ? 1 : 0;
            }
        }
        Assert.InRange(kept, 98_000, 102_000); // 100,000 expected, sd about 300
        Assert.Equal(1, sampling.ShareFor(lines: 199, bytes: 199 * 4_000)); // 100,000 lines of 4 KB: within the bound
        Assert.True(WindowSampling.Keeps(3, 17, share: 1));
    }

    [Fact]
    public async Task A_sampled_window_reads_every_labelled_row_for_its_label_and_keeps_the_sample_as_it_was()
    {
        var random = new Random(13);
        var (blobs, ids, time, feedback) = await TrafficAndFeedbackAsync(random, linesPerBlob: 3_000);
        await feedback.AddAsync(Churn, Enumerable.Range(0, ids).Where(_ => random.NextDouble() < 0.1)
            .Select(i => new FeedbackLabel($"r{i}", JsonSerializer.SerializeToElement($"label {i}"), random.Next(3))).ToList());
        var labels = await feedback.ReadLabelsAsync(Churn, From, To, CancellationToken.None);
        var reader = new TrafficReader(blobs);
        static (string, double, double)[] Joined(TrafficFrame frame) =>
            frame.Labelled.Select(l => (l.Label.GetString()!, l.Probability, l.Predicted)).Order().ToArray();

        var whole = (await reader.ReadFrameAsync(Churn, new TrafficFrameRequest(Schema, From, To, 3, labels))).Frame;
        var sample = (await reader.ReadFrameAsync(Churn, new TrafficFrameRequest(Schema, From, To, 3) { MaxRows = 4_500 })).Frame;
        var sampled = (await reader.ReadFrameAsync(Churn, new TrafficFrameRequest(Schema, From, To, 3, labels) { MaxRows = 4_500 })).Frame;

        // Every labelled row of the version, with its prediction, as the whole window has them...
        Assert.True(whole.Labelled.Count > 100, $"{whole.Labelled.Count} labelled rows");
        Assert.Equal(Joined(whole), Joined(sampled));
        // ...while drift, quality and latency see the same sample as without labels.
        AssertSameTable(sample.Table, sampled.Table, "the sample with labels joined");
        Assert.Equal(sample.SampledShare, sampled.SampledShare);
        Assert.Equal(sample.RequestLatencies, sampled.RequestLatencies);
        var outside = sampled.Labelled.Count(l => l.Row < 0);
        Assert.InRange(outside, whole.Labelled.Count / 2, whole.Labelled.Count - 1);
        var probability = sampled.Table.Numeric(TrafficTable.ProbabilityColumn);
        Assert.All(sampled.Labelled.Where(l => l.Row >= 0), l => Assert.Equal(probability[l.Row], l.Probability));

        // More labels than the bound: labelled lines are sampled like the others.
        var tight = (await reader.ReadFrameAsync(Churn, new TrafficFrameRequest(Schema, From, To, 3, labels) { MaxRows = labels.Count / 2 })).Frame;
        Assert.All(tight.Labelled, l => Assert.True(l.Row >= 0));
        Assert.True(tight.Labelled.Count < whole.Labelled.Count / 2);
    }

    [Theory]
    [InlineData("""{"requestId":"a1","row":2,"time":"2025-03-01T10:40:00Z"}""", true)] // as the log writes it
    [InlineData("""{"requestId":"a1","row":2}""", true)]
    [InlineData("""{"requestId":"a1","row":3,"time":"2025-03-01T10:40:00Z"}""", false)] // another row
    [InlineData("""{"requestId":"a10","row":2}""", false)]
    [InlineData("""{"requestId":"é1","row":0}""", true)]
    [InlineData("""{"row":2,"time":"2025-03-01T10:40:00Z","requestId":"a1"}""", true)] // other layouts: the JSON reader
    [InlineData("""{"RequestId":"a1","ROW":2}""", true)]
    [InlineData("""{"requestId":"a\u0031","row":2}""", true)]
    [InlineData("""{"requestId":"a1","row":2.0}""", false)] // not a row number, as the full read says
    [InlineData("""{"requestId":"a1","row":2""", false)] // cut short
    [InlineData("""[{"requestId":"a1","row":2}]""", false)]
    [InlineData("""not json""", false)]
    public void A_left_out_line_is_known_labelled_from_its_request_id_and_row(string line, bool labelled)
    {
        var labels = new FeedbackLabels();
        labels.Add(new FeedbackRecord("a1", 2, JsonSerializer.SerializeToElement("yes"), Start));
        labels.Add(new FeedbackRecord("é1", 0, JsonSerializer.SerializeToElement("no"), Start));
        var columns = new TrafficColumns(new TrafficFrameRequest(Schema, From, To, 3, labels));

        Assert.Equal(labelled, columns.HasLabel(Encoding.UTF8.GetBytes(line)));
    }

    [Fact]
    public async Task Labels_join_as_the_record_read_joined_them()
    {
        var random = new Random(11);
        var (blobs, ids, time, feedback) = await TrafficAndFeedbackAsync(random, linesPerBlob: 120);
        var labels = Enumerable.Range(0, ids).Where(_ => random.NextDouble() < 0.3)
            .Select(i => new FeedbackLabel($"r{i}", JsonSerializer.SerializeToElement(random.Next(2) == 0 ? "yes" : "no"), random.Next(3)))
            .Append(new FeedbackLabel("nobody", JsonSerializer.SerializeToElement("yes")))
            .ToList();
        await feedback.AddAsync(Churn, labels);
        time.Advance(TimeSpan.FromMinutes(5));
        await feedback.AddAsync(Churn, labels.Take(10).Select(l => l with { Label = JsonSerializer.SerializeToElement("later") }).ToList());
        var reader = new TrafficReader(blobs);

        // The join as it was: the latest label per row, the first scored line of each labelled row.
        var latest = new Dictionary<(string, int), FeedbackRecord>();
        var feedbackStats = new TrafficReadStats();
        await foreach (var label in reader.ReadFeedbackAsync(Churn, From, time.GetUtcNow().AddHours(1), feedbackStats))
        {
            if (!latest.TryGetValue((label.RequestId, label.Row), out var known) || label.Time >= known.Time)
            {
                latest[(label.RequestId, label.Row)] = label;
            }
        }
        var trafficStats = new TrafficReadStats();
        var expected = new List<(TrafficRecord Record, string Label)>();
        var matched = new HashSet<(string, int)>();
        await foreach (var record in reader.ReadAsync(Churn, From, To, trafficStats))
        {
            if (latest.TryGetValue((record.RequestId, record.Row), out var label) && matched.Add((record.RequestId, record.Row)))
            {
                expected.Add((record, label.Label.GetString()!));
            }
        }

        var joined = await feedback.JoinAsync(Churn, From, To);

        Assert.True(expected.Count > 10);
        Assert.Equal(
            expected.Select(e => (e.Record.RequestId, e.Record.Row, e.Record.Version, e.Record.Time, e.Label)).OrderBy(x => x),
            joined.Rows.Select(r => (r.Record.RequestId, r.Record.Row, r.Record.Version, r.Record.Time, r.Label.GetString()!)).OrderBy(x => x));
        Assert.Equal(trafficStats.Records, joined.TrafficRecords);
        Assert.Equal(feedbackStats.Records, joined.FeedbackRecords);
        Assert.Equal(latest.Count - matched.Count, joined.UnmatchedFeedback);
        Assert.Equal(trafficStats.CorruptLines + feedbackStats.CorruptLines, joined.CorruptLines);

        // The monitor's join: rows of its version, by their index in the table.
        var frameLabels = await feedback.ReadLabelsAsync(Churn, From, To, CancellationToken.None);
        var (frame, _) = await reader.ReadFrameAsync(Churn, new TrafficFrameRequest(Schema, From, To, 3, frameLabels));
        var served = new List<TrafficRecord>();
        await foreach (var record in reader.ReadAsync(Churn, From, To))
        {
            if (record.Version == 3)
            {
                served.Add(record);
            }
        }
        Assert.Equal(
            expected.Where(e => e.Record.Version == 3).Select(e => (e.Record.RequestId, e.Record.Row, e.Label)).OrderBy(x => x),
            frame.Labelled.Select(l => (served[l.Row].RequestId, served[l.Row].Row, l.Label.GetString()!)).OrderBy(x => x));
    }

    [Fact]
    public async Task Features_predictions_and_latency_become_columns_and_wrong_types_are_counted()
    {
        var lines = """
            {"requestId":"a","row":0,"time":"2025-03-01T10:40:00Z","model":"churn","version":3,"features":{"tenure":2.5,"plan":"gold","active":true,"note":null},"prediction":{"label":true,"probability":0.75},"latencyMs":0.4}
            {"requestId":"b","row":1,"time":"2025-03-01T10:41:00Z","model":"churn","version":3,"features":{"TENURE":"lots","active":false},"prediction":{"label":true,"probability":0.75},"latencyMs":0.4}
            {"requestId":"c","row":0,"time":"2025-03-01T10:42:00Z","model":"churn","version":3,"features":{}}
            """;
        var request = new TrafficFrameRequest(Schema, From, To, 3);
        var part = await TrafficColumns.ReadAsync(new MemoryStream(Encoding.UTF8.GetBytes(lines)), request, sampling: null, blob: 0, CancellationToken.None);
        var frame = TrafficTable.Merge(request, [part], out _);

        Assert.Equal([2.5, double.NaN], frame.Table.Numeric("tenure"));
        Assert.Equal(new string?[] { "gold", null }, frame.Table.Categorical("plan").AsEnumerable());
        Assert.Equal([1.0, 0.0], frame.Table.Numeric("active"));
        Assert.All(frame.Table.Categorical("note"), Assert.Null);
        Assert.Equal([1.0, 1.0], frame.Table.Numeric(TrafficTable.PredictionColumn));
        Assert.Equal([0.75, 0.75], frame.Table.Numeric(TrafficTable.ProbabilityColumn));
        Assert.Equal([0.4, 0.4], frame.Table.Numeric(TrafficTable.LatencyColumn));
        Assert.Equal([0.4], frame.RequestLatencies);
        Assert.Equal(1, frame.TypeErrors["tenure"]);
        Assert.Single(frame.TypeErrors);
        Assert.Equal(1, frame.CorruptLines); // no prediction
    }

    [Theory]
    [InlineData("""{"tenure":2.5,"plan":"gold","active":true,"note":null,"Score":-1.25e-3}""", true)]
    [InlineData("""{}""", true)]
    [InlineData("""{"tenure":0,"plan":"","active":0,"note":12,"Score":-0}""", true)]
    [InlineData("""{"tenure":null,"plan":true,"active":false,"note":false,"Score":1E+2}""", true)]
    [InlineData("""{"tenure":true,"active":2,"Score":false}""", true)] // wrong types, counted as the reader counts them
    [InlineData("""{"tenure":1,"tenure":3,"plan":"a","plan":null}""", true)] // the last of a repeated name wins
    [InlineData("""{"note":"x","Score":7,"tenure":1.5}""", true)] // any order
    [InlineData("""{"tenure":"2.5"}""", false)] // a number written as text: the reader parses it
    [InlineData("""{"active":"yes"}""", false)]
    [InlineData("""{"TENURE":2}""", false)] // another case: the reader matches it
    [InlineData("""{"tenure":1,"TENURE":2}""", false)]
    [InlineData("""{"unknown":1,"tenure":2}""", false)]
    [InlineData("""{"ten\u0075re":2}""", false)]
    [InlineData("""{"plan":"g\u006fld"}""", false)]
    [InlineData("""{"plan":"café"}""", false)] // non-ASCII text: the reader checks it
    [InlineData("""{ "tenure": 2 }""", false)] // whitespace
    [InlineData("""{"tenure":1e400}""", false)] // out of range: the reader counts a wrong type
    [InlineData("""{"tenure":{"x":1}}""", false)]
    [InlineData("""{"plan":["a"]}""", false)]
    public void A_plain_features_object_is_read_by_its_bytes_as_the_reader_reads_it(string features, bool plain)
    {
        var line = Line(features);
        var request = new TrafficFrameRequest(Schema, From, To, 3);
        var columns = new TrafficColumns(request);

        Assert.Equal(TrafficLine.Taken, columns.Add(Encoding.UTF8.GetBytes(line)));

        Assert.Equal(plain ? 1 : 0, columns.PlainFeatureLines);
        var expected = RecordTable.Build([JsonSerializer.Deserialize<TrafficRecord>(line, ModelOps.Core.Storage.Json.Options)!], Schema);
        var frame = TrafficTable.Merge(request, [columns], out _);
        AssertSameTable(expected.Table, frame.Table, features);
        Assert.Equal(expected.TypeErrors.OrderBy(e => e.Key), frame.TypeErrors.OrderBy(e => e.Key));
    }

    [Theory]
    [InlineData("""{"tenure":01}""")]
    [InlineData("""{"tenure":1.}""")]
    [InlineData("""{"tenure":-}""")]
    [InlineData("""{"tenure":.5}""")]
    [InlineData("""{"tenure":1e}""")]
    [InlineData("""{"tenure":+1}""")]
    [InlineData("""{"tenure":nul}""")]
    [InlineData("""{"tenure":truex}""")]
    [InlineData("""{"tenure":1,}""")]
    [InlineData("""{"tenure":1""")]
    [InlineData("""{"plan":"gold}""")]
    [InlineData("""{"plan":"a	b"}""")] // a raw control character
    [InlineData("""{"tenure":1}}""")]
    [InlineData("""{"tenure":1 x}""")]
    public void A_features_object_that_is_not_JSON_makes_the_line_corrupt(string features)
    {
        var columns = new TrafficColumns(new TrafficFrameRequest(Schema, From, To, 3));

        Assert.Equal(TrafficLine.Corrupt, columns.Add(Encoding.UTF8.GetBytes(Line(features))));
        Assert.Equal(1, columns.CorruptLines);
        Assert.Equal(0, columns.Count);
    }

    /// <summary>A record as the log writes it, with <paramref name="features"/> as its features object.</summary>
    private static string Line(string features) => LogLines.Record(features, """{"label":true,"probability":0.75}""");

    [Fact]
    public void A_feature_named_like_a_traffic_column_is_refused()
    {
        var schema = new TableSchema([new ColumnSchema("Prediction", ColumnKind.Numeric)]);
        Assert.Throws<ArgumentException>(() => new TrafficFrameRequest(schema, From, To, 3));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // what was appended cut into three pieces read side by side, as large appends are
    public async Task A_kept_window_lays_out_each_later_window_as_a_read_of_that_window_alone(bool pieces)
    {
        var random = new Random(21);
        var blobs = await NewBlobsAsync();
        var container = blobs.GetBlobContainerClient(StorageLayout.Traffic);
        var reader = new TrafficReader(blobs);
        if (pieces)
        {
            (reader.KeptWindows.MinPieceBytes, reader.KeptWindows.Pieces) = (1_000, 3);
        }
        var labels = new FeedbackLabels();
        var logged = new List<(string Id, int Row)>();
        var cut = new Dictionary<string, string>(); // the rest of a line a blob's last append cut short
        var rebuilt = 0;
        for (var minute = 10; minute <= 210; minute += 10)
        {
            var now = Start.AddMinutes(minute);
            long appended = 0;
            foreach (var host in new[] { "web-2", "web-1" })
            {
                // The last ten minutes' traffic, appended to this host's blob of their hour: late and early lines among them.
                var name = StorageLayout.TrafficHourPrefix(Churn, now.AddMinutes(-10).UtcDateTime) + host + "-0" + StorageLayout.JsonLinesExtension;
                var blob = container.GetAppendBlobClient(name);
                if (minute == 130 && host == "web-1")
                {
                    await blob.DeleteIfExistsAsync(); // made again under the same name: read again from its start
                    await Task.Delay(1_100);
                    cut.Remove(name);
                }
                await blob.CreateIfNotExistsAsync();
                var text = new StringBuilder(cut.Remove(name, out var rest) ? rest + "\n" : "");
                for (var i = 0; i < 60; i++)
                {
                    var time = now.AddMinutes(random.Next(40) == 0 ? 5 + random.Next(30) : -random.Next(random.Next(20) == 0 ? 900 : 600) / 60.0);
                    var row = random.Next(3);
                    logged.Add(($"r{logged.Count}", row));
                    text.Append(random.NextDouble() < 0.05 ? CorruptLine(random, time) : Line(random, logged[^1].Id, row, time)).Append('\n');
                }
                if (random.Next(3) == 0)
                {
                    var line = Line(random, $"r{logged.Count}", 0, now.AddSeconds(-1));
                    logged.Add(($"r{logged.Count}", 0));
                    var at = random.Next(1, line.Length);
                    text.Append(line[..at]); // a line cut short; the next append ends it
                    cut[name] = line[at..];
                }
                var bytes = Encoding.UTF8.GetBytes(text.ToString());
                appended += bytes.Length;
                await blob.AppendBlockAsync(new MemoryStream(bytes));
            }
            // Ground truth arrives late, for rows already read.
            foreach (var (id, row) in logged.Where(_ => random.NextDouble() < 0.03))
            {
                labels.Add(new FeedbackRecord(id, row, JsonSerializer.SerializeToElement(random.Next(2) == 0), now));
            }

            var (version, from) = minute switch
            {
                90 => (4, now.AddMinutes(-60)), // another version: another window, then back again
                170 => (3, now.AddMinutes(-150)), // an earlier start than the kept lines' first window
                _ => (3, now.AddMinutes(-60)),
            };
            var kept = (await reader.ReadFrameAsync(Churn, new TrafficFrameRequest(Schema, from, now, version, labels) { KeepBetweenReads = true })).Frame;
            var whole = (await reader.ReadFrameAsync(Churn, new TrafficFrameRequest(Schema, from, now, version, labels))).Frame;

            var what = $"the window to minute {minute}";
            AssertSameTable(whole.Table, kept.Table, what);
            Assert.Equal(whole.TypeErrors.OrderBy(e => e.Key), kept.TypeErrors.OrderBy(e => e.Key));
            Assert.Equal(whole.RequestLatencies, kept.RequestLatencies);
            Assert.Equal(whole.Labelled, kept.Labelled);
            Assert.Equal((whole.Records, whole.CorruptLines, whole.Blobs), (kept.Records, kept.CorruptLines, kept.Blobs));
            if (kept.BytesRead == whole.BytesRead)
            {
                rebuilt++;
            }
            else
            {
                // What was appended, and the lines cut short last time again.
                Assert.True(kept.BytesRead >= appended && kept.BytesRead <= appended + 2 * 1_000, $"{what}: read {kept.BytesRead:N0} bytes, {appended:N0} appended");
            }
            Assert.True(whole.Table.RowCount > (minute < 60 ? 20 : 100) && whole.CorruptLines > 0 && (minute < 40 || whole.Labelled.Count > 5),
                $"{what}: {whole.Table.RowCount} rows, {whole.CorruptLines} corrupt, {whole.Labelled.Count} labelled");
        }
        // Read whole: the first window, another version and back, an earlier start; the others read what was appended.
        Assert.Equal(4, rebuilt);
    }

    [Fact]
    public async Task Kept_windows_stay_within_the_host_budget_and_the_one_read_longest_ago_goes_first()
    {
        var (blobs, _, _, _) = await TrafficAndFeedbackAsync(new Random(19), linesPerBlob: 300);
        var other = ModelName.Parse("churn-eu");
        var container = blobs.GetBlobContainerClient(StorageLayout.Traffic);
        await foreach (var item in container.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, Churn + "/", CancellationToken.None))
        {
            var content = (await container.GetBlobClient(item.Name).DownloadContentAsync()).Value.Content;
            await container.GetBlobClient(other + item.Name[Churn.ToString().Length..]).UploadAsync(content);
        }
        var reader = new TrafficReader(blobs);
        async Task<long> ReadAsync(ModelName model) =>
            (await reader.ReadFrameAsync(model, new TrafficFrameRequest(Schema, From, To, 3) { KeepBetweenReads = true })).Frame.BytesRead;

        var whole = await ReadAsync(Churn);
        Assert.Equal(0, await ReadAsync(Churn));
        var one = reader.KeptWindows.Bytes;
        Assert.True(one > 0);

        reader.KeptWindows.MaxBytes = one * 3 / 2; // room for one window
        Assert.Equal(whole, await ReadAsync(other));
        Assert.Equal(0, await ReadAsync(other));
        Assert.Equal(whole, await ReadAsync(Churn)); // let go for the other, read longest ago
        Assert.Equal(whole, await ReadAsync(other)); // and now the other way round
        Assert.Equal(one, reader.KeptWindows.Bytes);

        reader.KeptWindows.MaxBytes = one / 2; // no room: served from what is kept this once, then let go
        Assert.Equal(0, await ReadAsync(other));
        Assert.Equal(whole, await ReadAsync(other));
        Assert.Equal(0, reader.KeptWindows.Bytes);
    }

    [Fact]
    public async Task A_window_its_bound_would_sample_is_not_kept_but_read_afresh()
    {
        var (blobs, _, _, _) = await TrafficAndFeedbackAsync(new Random(17), linesPerBlob: 3_000);
        var reader = new TrafficReader(blobs);

        var sampled = (await reader.ReadFrameAsync(Churn, new TrafficFrameRequest(Schema, From, To, 3) { MaxRows = 4_500, KeepBetweenReads = true })).Frame;
        var again = (await reader.ReadFrameAsync(Churn, new TrafficFrameRequest(Schema, From, To, 3) { MaxRows = 4_500, KeepBetweenReads = true })).Frame;
        var fresh = (await reader.ReadFrameAsync(Churn, new TrafficFrameRequest(Schema, From, To, 3) { MaxRows = 4_500 })).Frame;

        Assert.InRange(sampled.SampledShare, 0.2, 0.9);
        AssertSameTable(fresh.Table, sampled.Table, "the first read");
        AssertSameTable(fresh.Table, again.Table, "the second read");
        Assert.Equal(fresh.BytesRead, again.BytesRead);
    }

    private static void AssertSameTable(Table expected, Table actual, string what)
    {
        Assert.Equal(expected.Schema.Columns, actual.Schema.Columns);
        Assert.Equal(expected.RowCount, actual.RowCount);
        for (var c = 0; c < expected.ColumnCount; c++)
        {
            var name = $"{what}, column {expected.Schema.Columns[c].Name}";
            if (expected.Column(c) is double[] numbers)
            {
                var got = actual.Numeric(c);
                for (var r = 0; r < numbers.Length; r++)
                {
                    Assert.True(numbers[r].Equals(got[r]), $"{name}, row {r}: expected {numbers[r]}, got {got[r]}");
                }
            }
            else
            {
                Assert.True(expected.Categorical(c).SequenceEqual(actual.Categorical(c)), name);
            }
        }
    }

    /// <summary>
    /// Lines in three hour folders and two hosts' blobs: good records of versions 3 (binary), 4 (multiclass) and 5
    /// (regression) with awkward values, names and fields, mixed with corrupt lines. Returns how many request ids it used.
    /// </summary>
    /// <summary>Generated traffic (<see cref="WriteTrafficAsync"/>) and a feedback store on the same storage, its clock after the traffic.</summary>
    private static async Task<(BlobServiceClient Blobs, int Ids, FakeTimeProvider Time, FeedbackStore Feedback)> TrafficAndFeedbackAsync(
        Random random, int linesPerBlob)
    {
        var blobs = await NewBlobsAsync();
        var ids = await WriteTrafficAsync(blobs, random, linesPerBlob);
        var time = new FakeTimeProvider(Start.AddHours(4));
        return (blobs, ids, time, new FeedbackStore(blobs, time, new FeedbackStoreOptions { Host = "web-1" }));
    }

    private static async Task<int> WriteTrafficAsync(BlobServiceClient blobs, Random random, int linesPerBlob)
    {
        var container = blobs.GetBlobContainerClient(StorageLayout.Traffic);
        var id = 0;
        for (var hour = 0; hour < 3; hour++)
        {
            foreach (var host in new[] { "web-2", "web-1" })
            {
                var text = new StringBuilder();
                for (var i = 0; i < linesPerBlob; i++)
                {
                    var time = Start.AddHours(hour).AddSeconds(random.Next(3600));
                    text.Append(random.NextDouble() < 0.1 ? CorruptLine(random, time) : Line(random, $"r{id}", random.Next(3), time)).Append('\n');
                    id++;
                    if (random.NextDouble() < 0.02)
                    {
                        text.Append("\r\n"); // blank lines are no records and no corruption
                    }
                }
                var name = StorageLayout.TrafficHourPrefix(Churn, Start.AddHours(hour).UtcDateTime) + host + "-0" + StorageLayout.JsonLinesExtension;
                await container.GetBlobClient(name).UploadAsync(BinaryData.FromString(text.ToString()));
            }
        }
        return id;
    }

    private static string Line(Random random, string requestId, int row, DateTimeOffset time)
    {
        var version = random.NextDouble() switch { < 0.6 => 3, < 0.8 => 4, < 0.95 => 5, _ => 9 };
        var fields = new List<string>
        {
            Pick(random, "\"requestId\"", "\"RequestId\"", "\"request\\u0049d\"") + ":" + Json(requestId),
            Pick(random, "\"row\"", "\"ROW\"") + ":" + row.ToString(CultureInfo.InvariantCulture),
            Pick(random, "\"time\"", "\"Time\"") + ":" + Json(random.Next(4) == 0 ? time.ToOffset(TimeSpan.FromHours(1)).ToString("o") : time.ToString("o")),
            "\"model\":" + Pick(random, "\"churn\"", "\"chur\\u006e\""),
            "\"version\":" + version.ToString(CultureInfo.InvariantCulture),
            "\"features\":" + Features(random),
            "\"prediction\":" + Prediction(random, version),
            "\"latencyMs\":" + Pick(random, "0.25", "1.5", "3", "\"NaN\"", "12.125"),
        };
        if (random.Next(3) == 0)
        {
            fields.Add("\"requestRows\":3");
        }
        if (random.Next(4) == 0)
        {
            fields.Add(Pick(random, "\"host\":{\"a\":[1,2,{\"b\":null}]}", "\"extra\":\"x\"", "\"features2\":{\"tenure\":\"no\"}"));
        }
        if (random.Next(20) == 0)
        {
            fields.Add("\"features\":" + Features(random)); // a repeated property: the last wins
        }
        Shuffle(random, fields);
        return "{" + string.Join(",", fields) + "}";
    }

    private static string Features(Random random)
    {
        var pairs = new List<string>();
        void Add(string[] names, string[] values)
        {
            if (random.Next(10) != 0)
            {
                pairs.Add(Pick(random, names) + ":" + Pick(random, values));
            }
        }
        string[] numbers = ["1.5", "-3", "1e2", "0", "\"2.5\"", "\" 7 \"", "\"abc\"", "true", "null", "{\"x\":1}", "[1]", "\"NaN\"", "1e400", "12345.678"];
        string[] levels = ["\"gold\"", "\"silver\"", "\"g\\u006fld\"", "12", "1.50", "true", "false", "null", "{}", "[]", "\"\"", "\"bronze\""];
        string[] flags = ["true", "false", "0", "1", "1.0", "2", "\"TRUE\"", "\" yes\"", "\" false \"", "\"1\"", "null", "[]", "\"x\""];
        Add(["\"tenure\"", "\"Tenure\"", "\"TENURE\"", "\"ten\\u0075re\""], numbers);
        Add(["\"plan\"", "\"Plan\""], levels);
        Add(["\"active\"", "\"ACTIVE\""], flags);
        Add(["\"note\""], levels);
        Add(["\"Score\"", "\"score\"", "\"SCORE\""], numbers);
        if (random.Next(5) == 0)
        {
            Add(["\"tenure\"", "\"TENURE\"", "\"Tenure\""], numbers); // duplicates, exact or in another case
            Add(["\"plan\"", "\"PLAN\""], levels);
        }
        if (random.Next(4) == 0)
        {
            pairs.Add("\"unknown\":" + Pick(random, numbers));
        }
        Shuffle(random, pairs);
        return "{" + string.Join(",", pairs) + "}";
    }

    private static string Prediction(Random random, int version) => (version, random.Next(12)) switch
    {
        (_, 0) => Pick(random, "{\"value\":3.5}", "{\"label\":\"b\",\"probabilities\":{\"a\":0.1,\"b\":0.9}}", "{\"label\":true,\"probability\":0.5}"),
        (3, _) => Pick(random, "{\"label\":true,\"probability\":0.7}", "{\"Label\":false,\"Probability\":0.2,\"extra\":1}",
            "{\"probability\":0.1,\"label\":true}", "{\"label\":true,\"probability\":1e-3,\"label\":\"x\"}"),
        (4, _) => Pick(random, "{\"label\":\"b\",\"probabilities\":{\"a\":0.1,\"b\":0.9}}", "{\"label\":\"a\",\"probabilities\":{\"a\":\"NaN\",\"b\":0.9,\"a\":0.8}}",
            "{\"label\":\"c\",\"probabilities\":{\"a\":0.1}}", "{\"probabilities\":{\"b\\u0062\":0.4},\"LABEL\":\"bb\"}"),
        _ => Pick(random, "{\"value\":3.5}", "{\"VALUE\":-1e-2}", "{\"value\":2,\"label\":true}", "{\"x\":0,\"value\":7}"),
    };

    private static string CorruptLine(Random random, DateTimeOffset time)
    {
        var t = Json(time.ToString("o"));
        return Pick(random,
            "{\"requestId\":\"torn\",\"row\"",
            "null",
            "[1,2]",
            "42",
            "{\"requestId\":\"x\",\"row\":0,\"time\":" + t + ",\"model\":\"churn\",\"version\":3,\"features\":{}}",
            "{\"requestId\":\"x\",\"row\":0,\"time\":" + t + ",\"model\":\"churn\",\"version\":3,\"features\":{},\"prediction\":{\"foo\":1}}",
            "{\"requestId\":\"x\",\"row\":0,\"time\":" + t + ",\"model\":\"churn\",\"version\":3,\"features\":{},\"prediction\":null}",
            "{\"requestId\":\"x\",\"row\":0,\"time\":" + t + ",\"model\":\"churn\",\"version\":3,\"features\":null,\"prediction\":{\"value\":1}}",
            "{\"requestId\":\"x\",\"row\":1.5,\"time\":" + t + ",\"model\":\"churn\",\"version\":3,\"features\":{},\"prediction\":{\"value\":1}}",
            "{\"requestId\":\"x\",\"row\":\"1\",\"time\":" + t + ",\"model\":\"churn\",\"version\":3,\"features\":{},\"prediction\":{\"value\":1}}",
            "{\"requestId\":\"x\",\"row\":-1,\"time\":" + t + ",\"model\":\"churn\",\"version\":3,\"features\":{},\"prediction\":{\"value\":1}}",
            "{\"requestId\":\"x\",\"row\":0,\"time\":" + t + ",\"model\":\"Not A Name\",\"version\":3,\"features\":{},\"prediction\":{\"value\":1}}",
            "{\"requestId\":\"x\",\"row\":0,\"time\":" + t + ",\"version\":3,\"features\":{},\"prediction\":{\"value\":1}}",
            "{\"requestId\":null,\"row\":0,\"time\":" + t + ",\"model\":\"churn\",\"version\":3,\"features\":{},\"prediction\":{\"value\":1}}",
            "{\"requestId\":7,\"row\":0,\"time\":" + t + ",\"model\":\"churn\",\"version\":3,\"features\":{},\"prediction\":{\"value\":1}}",
            "{\"requestId\":\"x\",\"row\":0,\"time\":\"soon\",\"model\":\"churn\",\"version\":3,\"features\":{},\"prediction\":{\"value\":1}}",
            "{\"requestId\":\"x\",\"row\":0,\"time\":" + t + ",\"model\":\"churn\",\"version\":3,\"features\":{},\"prediction\":{\"value\":1}} x",
            "{\"requestId\":\"x\",\"row\":0,\"time\":" + t + ",\"model\":\"churn\",\"version\":3,\"features\":{},\"prediction\":{\"value\":1},}",
            "{\"requestId\":\"x\",\"row\":0,\"time\":" + t + ",\"model\":\"churn\",\"version\":3,\"features\":{},\"prediction\":{\"value\":\"1\"}}",
            "{\"requestId\":\"x\",\"row\":0,\"time\":" + t + ",\"model\":\"churn\",\"version\":3,\"features\":{},\"prediction\":{\"label\":\"yes\",\"probability\":0.5}}",
            "{\"requestId\":\"x\",\"row\":0,\"time\":" + t + ",\"model\":\"churn\",\"version\":3,\"features\":{},\"prediction\":{\"label\":\"b\",\"probabilities\":{\"a\":null}}}",
            "{\"requestId\":\"x\",\"row\":0,\"time\":" + t + ",\"model\":\"churn\",\"version\":3,\"features\":{},\"prediction\":{\"foo\":1},\"prediction\":{\"value\":1}}",
            "{\"requestId\":\"x\",\"row\":0,\"time\":" + t + ",\"model\":\"churn\",\"version\":3,\"features\":{},\"prediction\":{\"value\":1},\"latencyMs\":\"fast\"}",
            "{\"requestId\":\"x\",\"row\":0,\"time\":" + t + ",\"model\":\"churn\",\"version\":3,\"features\":{\"tenure\":1,},\"prediction\":{\"value\":1}}");
    }

    private static string Json(string text) => JsonSerializer.Serialize(text);

    private static string Pick(Random random, params string[] choices) => choices[random.Next(choices.Length)];

    private static void Shuffle(Random random, List<string> items)
    {
        for (var i = items.Count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}
