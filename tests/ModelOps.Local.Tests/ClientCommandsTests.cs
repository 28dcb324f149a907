using ModelOps.Local.Commands;
using ModelOps.Testing;

namespace ModelOps.Local.Tests;

/// <summary>The modelops commands that drive a running host over HTTP.</summary>
public sealed class ClientCommandsTests
{
    [Fact]
    public async Task Runs_models_predict_and_retrain_commands_show_what_the_api_says()
    {
        await using var host = await RunningHost.StartAsync();
        // About the commands, not model quality: a gate any learnt model passes (training is not yet deterministic).
        await host.DropAsync("churn/modelops.json", """{ "search": { "trials": 2, "parallelism": 2, "folds": 2 }, "gates": { "min": { "auc": 0.5 } } }""");
        await host.DropAsync("churn/customers.csv", SyntheticData.Binary(rows: 300, seed: 71));
        await host.WaitForRunAsync("churn");
        var url = host.Http.BaseAddress!.ToString();

        var (runs, runsOut) = await RunAsync("runs", "churn", "--url", url);
        var (models, modelsOut) = await RunAsync("models", "--url", url);
        var (predict, predictOut) = await RunAsync("predict", "churn", """{ "contract": "two-year", "tenure_months": 40 }""", "--url", url);
        var (retrain, retrainOut) = await RunAsync("retrain", "churn", "--url", url);
        var (bad, badOut) = await RunAsync("predict", "Not A Model", "{}", "--url", url);

        Assert.Equal(0, runs);
        Assert.Contains("Completed", runsOut);
        Assert.Contains("deployed v1", runsOut);
        Assert.Equal(0, models);
        Assert.Contains("production v1", modelsOut);
        Assert.Equal(0, predict);
        Assert.Contains("\"probability\"", predictOut);
        Assert.Equal(0, retrain);
        Assert.Contains("churn-retrain-", retrainOut);
        Assert.Equal(2, bad);
        Assert.Contains("Name the model", badOut);
    }

    [Fact]
    public async Task A_command_without_a_host_says_so()
    {
        var (code, output) = await RunAsync("models", "--url", "http://127.0.0.1:9");

        Assert.Equal(1, code);
        Assert.Contains("No ModelOps host answered", output);
    }

    private static async Task<(int Code, string Output)> RunAsync(string command, params string[] args)
    {
        using var output = new StringWriter();
        var code = await ClientCommands.RunAsync(command, args, output);
        return (code, output.ToString());
    }
}
