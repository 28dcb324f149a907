using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ModelOps.Testing;

namespace ModelOps.Local.Tests;

/// <summary>A CSV dropped into blob storage becomes a deployed model that answers over HTTP.</summary>
public sealed class PipelineEndToEndTests
{
    private const string FastSearch = """{ "search": { "trials": 4, "parallelism": 2, "folds": 2 } }""";

    [Fact]
    public async Task Dropped_binary_csv_is_deployed_and_predicts_a_probability_and_a_label()
    {
        await using var host = await RunningHost.StartAsync();
        await host.DropAsync("churn/modelops.json", FastSearch);
        await host.DropAsync("churn/customers.csv", SyntheticData.Binary(rows: 400, seed: 1));

        var run = await host.WaitForRunAsync("churn");

        AssertDeployed(run, version: 1);
        var model = await host.Http.GetFromJsonAsync<JsonElement>("/api/models/churn");
        Assert.Equal(1, model.GetProperty("aliases").GetProperty("production").GetInt32());
        var (response, body) = await host.PostJsonAsync("/api/models/churn/predict", PredictRows.Binary(3, seed: 7));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, body.GetProperty("version").GetInt32());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("requestId").GetString()));
        var predictions = body.GetProperty("predictions").EnumerateArray().ToList();
        Assert.Equal(3, predictions.Count);
        foreach (var p in predictions)
        {
            Assert.InRange(p.GetProperty("probability").GetDouble(), 0, 1);
            Assert.Contains(p.GetProperty("label").ValueKind, new[] { JsonValueKind.True, JsonValueKind.False });
        }

        // One row, not a batch; features left out or null get the values training filled in; unknown fields are named.
        var (single, one) = await host.PostJsonAsync("/api/models/churn/predict", """{ "contract": "two-year", "support_calls": null, "customer_id": "C1" }""");
        Assert.Equal(HttpStatusCode.OK, single.StatusCode);
        Assert.Single(one.GetProperty("predictions").EnumerateArray());
        Assert.Equal(["customer_id"], one.GetProperty("unknownFields").EnumerateArray().Select(f => f.GetString()));
        var (mistyped, problem) = await host.PostJsonAsync("/api/models/churn/predict", """{ "tenure_months": "long", "monthly_charges": [1] }""");
        Assert.Equal(HttpStatusCode.BadRequest, mistyped.StatusCode);
        Assert.Contains("tenure_months", problem.GetProperty("detail").GetString());
        Assert.Contains("monthly_charges", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Dropped_regression_csv_is_deployed_and_predicts_finite_values()
    {
        await using var host = await RunningHost.StartAsync();
        await host.DropAsync("prices/modelops.json", FastSearch);
        await host.DropAsync("prices/houses.csv", SyntheticData.Regression(rows: 400, seed: 2));

        AssertDeployed(await host.WaitForRunAsync("prices"), version: 1);
        var (response, body) = await host.PostJsonAsync("/api/models/prices/predict", PredictRows.Regression(3, seed: 8));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        foreach (var p in body.GetProperty("predictions").EnumerateArray())
        {
            Assert.True(double.IsFinite(p.GetProperty("value").GetDouble()));
        }
    }

    [Fact]
    public async Task Dropped_multiclass_csv_is_deployed_and_predicts_a_training_class()
    {
        await using var host = await RunningHost.StartAsync();
        await host.DropAsync("flowers/modelops.json", FastSearch);
        await host.DropAsync("flowers/measurements.csv", SyntheticData.Multiclass(rows: 450, seed: 3));

        AssertDeployed(await host.WaitForRunAsync("flowers"), version: 1);
        var (response, body) = await host.PostJsonAsync("/api/models/flowers/predict", PredictRows.Multiclass(4, seed: 9));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        foreach (var p in body.GetProperty("predictions").EnumerateArray())
        {
            Assert.Contains(p.GetProperty("label").GetString(), PredictRows.MulticlassClasses);
            var probabilities = p.GetProperty("probabilities").EnumerateObject().ToList();
            Assert.Equal(PredictRows.MulticlassClasses.Count, probabilities.Count);
            Assert.Equal(1.0, probabilities.Sum(x => x.Value.GetDouble()), 3);
        }
    }

    [Fact]
    public async Task The_same_data_and_config_train_the_same_model_and_another_seed_another()
    {
        await using var host = await RunningHost.StartAsync();
        var data = SyntheticData.Binary(rows: 400, seed: 4);
        var seeded = FastSearch.Replace("\"folds\": 2", "\"folds\": 2, \"seed\": 7");
        foreach (var (model, config) in new[] { ("first", FastSearch), ("twin", FastSearch), ("reseeded", seeded) })
        {
            await host.DropAsync($"{model}/modelops.json", config);
            await host.DropAsync($"{model}/customers.csv", data);
        }

        // Each drop is its own run with its own id; the seed comes from the config, so runs repeat each other.
        var outputs = new Dictionary<string, string>();
        foreach (var model in new[] { "first", "twin", "reseeded" })
        {
            var run = await host.WaitForRunAsync(model);
            AssertDeployed(run, version: 1);
            var (_, body) = await host.PostJsonAsync($"/api/models/{model}/predict", PredictRows.Binary(20, seed: 5));
            outputs[model] = run.GetProperty("output").GetProperty("metrics").ToString() + body.GetProperty("predictions");
        }
        Assert.Equal(outputs["first"], outputs["twin"]);
        Assert.NotEqual(outputs["first"], outputs["reseeded"]);
    }

    [Fact]
    public async Task An_identifier_column_is_left_out_of_the_features_and_of_every_read_of_the_cleaned_rows()
    {
        await using var host = await RunningHost.StartAsync();
        await host.DropAsync("refs/modelops.json", FastSearch);

        // First a reference that repeats (a feature, if a poor one), then, in the file dropped again, one that differs in
        // every row (an identifier).
        await host.DropAsync("refs/customers.csv", WithOrderReference(SyntheticData.Binary(rows: 400, seed: 11), row => $"R{row % 40}"));
        var first = (await host.WaitForRunAsync("refs")).GetProperty("output");
        Assert.DoesNotContain(first.GetProperty("notes").EnumerateArray(), n => n.GetString()!.Contains("order_ref"));

        await host.DropAsync("refs/customers.csv", WithOrderReference(SyntheticData.Binary(rows: 400, seed: 12), row => $"R-{row:D5}"));
        var run = await host.WaitForRunAsync("refs", count: 2);
        var output = run.GetProperty("output");
        Assert.True(output.GetProperty("outcome").GetString() is "deployed" or "rejected", $"The run did not finish: {run}");
        Assert.Contains(output.GetProperty("notes").EnumerateArray(), n => n.GetString()!.StartsWith("left out order_ref: a different value in every row"));
        // The held-out rows are read without it, so the version in production, which took it as a feature, is not scored
        // on them, and the run says why rather than failing.
        Assert.Equal(1, output.GetProperty("championVersion").GetInt32());
        Assert.Contains("needs feature 'order_ref'", output.GetProperty("championSkipped").GetString());
    }

    /// <summary>The CSV with an <c>order_ref</c> column first (the label stays last).</summary>
    private static string WithOrderReference(string csv, Func<int, string> reference)
    {
        var lines = csv.TrimEnd('\n').Split('\n');
        return string.Join('\n', lines.Select((line, i) => (i == 0 ? "order_ref," : reference(i) + ",") + line)) + "\n";
    }

    internal static void AssertDeployed(JsonElement run, int version)
    {
        Assert.True(run.GetProperty("runtimeStatus").GetString() == "Completed", $"The run did not complete: {run}");
        var output = run.GetProperty("output");
        Assert.True(output.GetProperty("outcome").GetString() == "deployed", $"The run did not deploy: {output}");
        Assert.Equal(version, output.GetProperty("version").GetInt32());
    }
}
