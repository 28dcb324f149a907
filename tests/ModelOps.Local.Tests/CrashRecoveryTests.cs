using System.Net.Http.Json;
using System.Text.Json;
using Azure.Storage.Blobs;
using ModelOps.Testing;

namespace ModelOps.Local.Tests;

/// <summary>A host killed mid-run resumes on restart without running finished work again.</summary>
public sealed class CrashRecoveryTests
{
    [Fact]
    public async Task A_killed_host_resumes_the_run_and_does_not_repeat_finished_activities()
    {
        var storage = await SharedAzurite.NewAccountAsync();
        var journal = Path.Combine(Path.GetTempPath(), $"modelops-journal-{Guid.NewGuid():N}.log");
        var settings = new Dictionary<string, string>
        {
            ["ModelOps__ActivityJournalPath"] = journal,
            ["ModelOps__DatasetPollInterval"] = "00:00:00.100",
        };
        var datasets = new BlobServiceClient(storage).GetBlobContainerClient("datasets");
        string runId;
        int trialsDoneAtKill;

        await using (var first = await HostProcess.StartAsync(storage, settings))
        {
            await datasets.GetBlobClient("churn/modelops.json").UploadAsync(BinaryData.FromString(
                """{ "search": { "trials": 12, "parallelism": 2, "folds": 3 } }"""), overwrite: true);
            await datasets.GetBlobClient("churn/customers.csv").UploadAsync(BinaryData.FromString(
                SyntheticData.Binary(rows: 1500, seed: 21)), overwrite: true);
            using var http = new HttpClient { BaseAddress = first.Address };
            var run = await WaitAsync(http, "churn", r => TrialsDone(r) >= 4);
            runId = run.GetProperty("instanceId").GetString()!;
            // customStatus is saved with the history, so these trials' completions were persisted before the kill.
            trialsDoneAtKill = TrialsDone(run);
            await first.KillAsync();
        }
        Assert.DoesNotContain(await File.ReadAllLinesAsync(journal), line => line.Contains(" Register "));

        await using (var second = await HostProcess.StartAsync(storage, settings))
        {
            using var http = new HttpClient { BaseAddress = second.Address };
            var run = await WaitAsync(http, "churn", RunningHost.IsFinished);
            PipelineEndToEndTests.AssertDeployed(run, version: 1);
        }

        var starts = (await File.ReadAllLinesAsync(journal)).Select(l => l.Split(' '))
            .Where(p => p[0] == runId && p[3] == "started").ToList();
        foreach (var step in new[] { "Ingest", "Clean", "ProposeTrials" })
        {
            Assert.Single(starts, p => p[1] == step);
        }
        var trials = starts.Where(p => p[1] == "RunTrial").GroupBy(p => int.Parse(p[2])).OrderBy(g => g.Key).ToList();
        Assert.Equal(12, trials.Count);
        Assert.All(trials.Take(trialsDoneAtKill), g => Assert.Single(g));
        // Only work in flight at the kill may run twice: at most one wave.
        Assert.InRange(starts.Count - starts.DistinctBy(p => p[2]).Count(), 0, 2);
    }

    private static int TrialsDone(JsonElement run) =>
        run.TryGetProperty("customStatus", out var status) && status.ValueKind == JsonValueKind.Object
        && status.TryGetProperty("trialsDone", out var done) ? done.GetInt32() : 0;

    private static async Task<JsonElement> WaitAsync(HttpClient http, string model, Func<JsonElement, bool> until)
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(180));
        while (true)
        {
            var runs = await http.GetFromJsonAsync<JsonElement>($"/api/runs?model={model}", cancel.Token);
            if (runs.GetArrayLength() > 0 && until(runs[0]))
            {
                return runs[0];
            }
            await Task.Delay(50, cancel.Token);
        }
    }
}
