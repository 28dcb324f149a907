using System.Net;
using System.Text.Json;
using ModelOps.Testing;

namespace ModelOps.Local.Tests;

/// <summary>Bulk scoring of a blob as a durable run.</summary>
public sealed class ScoreBlobTests
{
    [Fact]
    public async Task A_blob_is_scored_by_the_production_version_and_the_predictions_are_written_beside_it()
    {
        await using var host = await DeployedAsync();
        var scoring = await ScoringAsync(host);
        await scoring.GetBlobClient("2026/batch.csv").UploadAsync(BinaryData.FromString(SyntheticData.Regression(rows: 150, seed: 32)));

        var (accepted, payload) = await host.PostJsonAsync("/api/models/prices/score-blob", """{ "blob": "scoring/2026/batch.csv" }""");
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var run = await host.WaitForRunAsync(payload.GetProperty("id").GetString()!, RunningHost.IsFinished);

        Assert.Equal("Completed", run.GetProperty("runtimeStatus").GetString());
        var output = run.GetProperty("output");
        Assert.Equal("scoring/2026/batch.predictions.csv", output.GetProperty("output").GetString());
        Assert.Equal(150, output.GetProperty("rows").GetInt32());
        var lines = (await scoring.GetBlobClient("2026/batch.predictions.csv").DownloadContentAsync()).Value.Content.ToString()
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(151, lines.Length);
        Assert.EndsWith(",prediction", lines[0]);
        Assert.All(lines.Skip(1), line => Assert.True(double.IsFinite(double.Parse(line.Split(',')[^1], System.Globalization.CultureInfo.InvariantCulture))));
    }

    [Fact]
    public async Task A_blob_of_many_chunks_or_of_json_lines_streams_through_and_columns_beside_the_features_pass_through_as_read()
    {
        await using var host = await DeployedAsync();
        var scoring = await ScoringAsync(host);
        // 20,000 rows: five chunks. A column beside the features holds numbers for 15,000 rows, then text.
        var lines = SyntheticData.Regression(rows: 20_000, seed: 33).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var csv = string.Join('\n', lines.Select((l, i) => l + "," + (i == 0 ? "batch" : i < 15_000 ? i.ToString() : $"b{i}"))) + "\n";
        await scoring.GetBlobClient("big.csv").UploadAsync(BinaryData.FromString(csv));
        var header = lines[0].Split(',');
        var jsonl = string.Join('\n', lines.Skip(1).Take(500).Select(l => System.Text.Json.JsonSerializer.Serialize(
            header.Zip(l.Split(',')).ToDictionary(p => p.First, p => p.Second == "" ? null : p.Second)))) + "\n";
        await scoring.GetBlobClient("rows.jsonl").UploadAsync(BinaryData.FromString(jsonl));

        foreach (var (blob, rows) in new[] { ("big.csv", 20_000), ("rows.jsonl", 500) })
        {
            var (accepted, payload) = await host.PostJsonAsync("/api/models/prices/score-blob", $$"""{ "blob": "scoring/{{blob}}" }""");
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
            var run = await host.WaitForRunAsync(payload.GetProperty("id").GetString()!, RunningHost.IsFinished);

            Assert.Equal("Completed", run.GetProperty("runtimeStatus").GetString());
            Assert.Equal(rows, run.GetProperty("output").GetProperty("rows").GetInt32());
            var written = (await scoring.GetBlobClient(Path.ChangeExtension(blob, null) + ".predictions.csv").DownloadContentAsync()).Value.Content.ToString()
                .Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(rows + 1, written.Length);
            Assert.Single(written, l => l.EndsWith(",prediction"));
            Assert.All(written.Skip(1), line => Assert.True(double.IsFinite(double.Parse(line.Split(',')[^1], System.Globalization.CultureInfo.InvariantCulture))));
        }
        var big = (await scoring.GetBlobClient("big.predictions.csv").DownloadContentAsync()).Value.Content.ToString().Split('\n');
        Assert.Contains(",batch,", big[0]);
        Assert.Contains(",b20000,", big[^2]);
        Assert.Contains(",14999,", big[14_999]);
    }

    /// <summary>A host with a regression model <c>prices</c> trained and in production.</summary>
    private static async Task<RunningHost> DeployedAsync()
    {
        var host = await RunningHost.StartAsync();
        await host.DropAsync("prices/modelops.json", """{ "search": { "trials": 2, "parallelism": 2, "folds": 2 } }""");
        await host.DropAsync("prices/houses.csv", SyntheticData.Regression(rows: 300, seed: 31));
        PipelineEndToEndTests.AssertDeployed(await host.WaitForRunAsync("prices"), version: 1);
        return host;
    }

    private static async Task<Azure.Storage.Blobs.BlobContainerClient> ScoringAsync(RunningHost host)
    {
        var scoring = host.Blobs.GetBlobContainerClient("scoring");
        await scoring.CreateIfNotExistsAsync();
        return scoring;
    }

    [Fact]
    public async Task A_bad_address_is_400_and_a_missing_blob_fails_the_run_saying_so()
    {
        await using var host = await RunningHost.StartAsync();
        await host.DropAsync("prices/modelops.json", """{ "search": { "trials": 2, "parallelism": 2, "folds": 2 } }""");
        await host.DropAsync("prices/houses.csv", SyntheticData.Regression(rows: 200, seed: 33));
        await host.WaitForRunAsync("prices");

        var (bad, _) = await host.PostJsonAsync("/api/models/prices/score-blob", """{ "blob": "../etc/passwd" }""");
        var (unknown, _) = await host.PostJsonAsync("/api/models/nobody/score-blob", """{ "blob": "scoring/x.csv" }""");
        var (accepted, payload) = await host.PostJsonAsync("/api/models/prices/score-blob", """{ "blob": "scoring/none.csv" }""");
        var run = await host.WaitForRunAsync(payload.GetProperty("id").GetString()!, RunningHost.IsFinished);

        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.Equal("Failed", run.GetProperty("runtimeStatus").GetString());
        Assert.Contains("scoring/none.csv", run.GetProperty("output").GetString());

        // A blob without the model's feature columns fails saying which, and writes no predictions file.
        var scoring = await ScoringAsync(host);
        await scoring.GetBlobClient("other.csv").UploadAsync(BinaryData.FromString("a,b\n1,2\n3,4\n"));
        var (_, started) = await host.PostJsonAsync("/api/models/prices/score-blob", """{ "blob": "scoring/other.csv" }""");
        var failed = await host.WaitForRunAsync(started.GetProperty("id").GetString()!, RunningHost.IsFinished);
        Assert.Equal("Failed", failed.GetProperty("runtimeStatus").GetString());
        Assert.Contains("lacks the feature column(s)", failed.GetProperty("output").GetString());
        Assert.False(await scoring.GetBlobClient("other.predictions.csv").ExistsAsync());
    }
}
