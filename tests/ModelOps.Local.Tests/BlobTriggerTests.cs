using ModelOps.Testing;

namespace ModelOps.Local.Tests;

/// <summary>Each data blob version starts exactly one run, across restarts of the host.</summary>
public sealed class BlobTriggerTests
{
    // Version 2 is trained on new rows; it must deploy whatever the noise of a small held-out set says.
    private const string Config = """{ "search": { "trials": 4, "parallelism": 2, "folds": 2 }, "gates": { "maxRegression": { "auc": 1.0 } } }""";

    [Fact]
    public async Task A_blob_restarted_mid_run_yields_one_run_and_a_changed_blob_yields_version_2()
    {
        string storage;
        await using (var first = await RunningHost.StartAsync())
        {
            storage = first.Storage;
            await first.DropAsync("churn/modelops.json", Config);
            await first.DropAsync("churn/customers.csv", SyntheticData.Binary(rows: 400, seed: 11));
            // Stop the host while the run is under way.
            await first.WaitForRunAsync(await FirstRunIdAsync(first, "churn"), run => run.GetProperty("runtimeStatus").GetString() == "Running");
        }

        await using var second = await RunningHost.StartAsync(storage);
        var run = await second.WaitForRunAsync("churn");
        PipelineEndToEndTests.AssertDeployed(run, version: 1);
        await Task.Delay(500); // several watcher polls over the same blob version
        Assert.Single(await second.RunsAsync("churn"));

        await second.DropAsync("churn/customers.csv", SyntheticData.Binary(rows: 400, seed: 12));
        var rerun = await second.WaitForRunAsync("churn", count: 2);
        PipelineEndToEndTests.AssertDeployed(rerun, version: 2);
        Assert.Equal(2, (await second.RunsAsync("churn")).Length);
    }

    [Fact]
    public async Task A_data_blob_outside_a_model_folder_is_quarantined_with_a_reason()
    {
        await using var host = await RunningHost.StartAsync();
        await host.DropAsync("Not A Model/data.csv", "a,b\n1,2\n");

        var quarantine = host.Blobs.GetBlobContainerClient("quarantine");
        var reason = quarantine.GetBlobClient("_unassigned/Not_A_Model_data.csv.reason.txt");
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!await reason.ExistsAsync(cancel.Token))
        {
            await Task.Delay(100, cancel.Token);
        }
        Assert.Contains("not a valid model name", (await reason.DownloadContentAsync()).Value.Content.ToString());
        Assert.False(await host.Blobs.GetBlobContainerClient("datasets").GetBlobClient("Not A Model/data.csv").ExistsAsync());
    }

    internal static async Task<string> FirstRunIdAsync(RunningHost host, string model)
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var runs = await host.RunsAsync(model);
            if (runs.Length > 0)
            {
                return runs[0].GetProperty("instanceId").GetString()!;
            }
            await Task.Delay(50, cancel.Token);
        }
    }
}
