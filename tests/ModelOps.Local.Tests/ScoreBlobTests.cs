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
        await using var host = await RunningHost.StartAsync();
        await host.DropAsync("prices/modelops.json", """{ "search": { "trials": 2, "parallelism": 2, "folds": 2 } }""");
        await host.DropAsync("prices/houses.csv", SyntheticData.Regression(rows: 300, seed: 31));
        PipelineEndToEndTests.AssertDeployed(await host.WaitForRunAsync("prices"), version: 1);
        var scoring = host.Blobs.GetBlobContainerClient("scoring");
        await scoring.CreateIfNotExistsAsync();
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
    }
}
