using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using ModelOps.Local.Commands;
using ModelOps.Testing;

namespace ModelOps.Local.Tests;

/// <summary>ONNX models imported over HTTP are served, logged and monitored like trained versions.</summary>
public sealed class OnnxServingTests
{
    [Fact]
    public async Task An_onnx_model_imported_over_http_answers_predict_with_numpys_probabilities()
    {
        await using var host = await RunningHost.StartAsync();

        var (imported, version) = await ImportAsync(host, "churn", OnnxSamples.Churn, ("label", "churned"), ("alias", "production"));
        var expected = OnnxSamples.Expected(OnnxSamples.Churn);
        var (answered, body) = await host.PostJsonAsync("/api/models/churn/predict",
            new JsonObject { ["rows"] = JsonNode.Parse(expected.GetProperty("rows").GetRawText()) }.ToJsonString());
        var model = await host.Http.GetFromJsonAsync<JsonElement>("/api/models/churn");

        Assert.Equal(HttpStatusCode.Created, imported.StatusCode);
        Assert.Equal(1, version.GetProperty("version").GetInt32());
        Assert.Equal("onnx", version.GetProperty("format").GetString());
        Assert.Equal(1, version.GetProperty("aliasVersion").GetInt32());
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        Assert.Equal(1, body.GetProperty("version").GetInt32());
        var probabilities = expected.GetProperty("probability").EnumerateArray().Select(p => p.GetDouble()).ToArray();
        var predictions = body.GetProperty("predictions").EnumerateArray().ToArray();
        Assert.Equal(probabilities.Length, predictions.Length);
        Assert.All(probabilities.Zip(predictions), p => Assert.Equal(p.First, p.Second.GetProperty("probability").GetDouble(), 1e-6));
        Assert.Equal(expected.GetProperty("label").EnumerateArray().Select(l => l.GetBoolean()), predictions.Select(p => p.GetProperty("label").GetBoolean()));
        Assert.Equal(1, model.GetProperty("aliases").GetProperty("production").GetInt32());
        Assert.Equal("onnx", model.GetProperty("versions")[0].GetProperty("format").GetString());
    }

    [Fact]
    public async Task Bad_fields_sent_to_an_onnx_version_are_a_400_listing_each_and_unknown_fields_are_named()
    {
        await using var host = await RunningHost.StartAsync();
        await ImportAsync(host, "iris", OnnxSamples.Multiclass, ("alias", "production"));

        var (bad, problem) = await host.PostJsonAsync("/api/models/iris/predict", """{"rows": [{"x1": "abc", "x2": 1, "color": {"a": 1}}, {"x1": 1, "x2": true, "color": "red"}]}""");
        var (ok, answer) = await host.PostJsonAsync("/api/models/iris/predict", """{"x1": 0.2, "x2": -1, "color": "blue", "shade": "dark"}""");

        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("The input has 3 problems: row 0: 'x1' must be a number, got the string \"abc\"; row 0: 'color' must be a string, got an object; "
            + "row 1: 'x2' must be a number, got true.", problem.GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(["shade"], answer.GetProperty("unknownFields").EnumerateArray().Select(f => f.GetString()));
        Assert.Contains(answer.GetProperty("predictions")[0].GetProperty("label").GetString(), new[] { "a", "b", "c" });
    }

    [Fact]
    public async Task A_graph_that_does_not_fit_the_data_or_a_request_without_the_parts_is_a_400_saying_why()
    {
        await using var host = await RunningHost.StartAsync();

        var (mismatch, why) = await ImportAsync(host, "prices", OnnxSamples.Churn, data: OnnxSamples.DataPath(OnnxSamples.Regression));
        var (json, usage) = await host.PostJsonAsync("/api/models/prices/versions", "{}");
        var models = await host.Http.GetFromJsonAsync<JsonElement>("/api/models");

        Assert.Equal(HttpStatusCode.BadRequest, mismatch.StatusCode);
        Assert.Contains("input 'tenure_months' (float[N,1]) matches no column of the data", why.GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, json.StatusCode);
        Assert.Contains("multipart/form-data", usage.GetProperty("detail").GetString());
        Assert.Equal(0, models.GetArrayLength());
    }

    [Fact]
    public async Task The_monitor_judges_onnx_served_traffic_against_the_imported_baseline()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));
        await using var host = await RunningHost.StartAsync(null, b => b.Services.AddSingleton<TimeProvider>(clock));
        await host.DropAsync("prices/modelops.json", """{ "monitor": { "schedule": "0 0 0 1 1 *", "minRows": 50, "consecutiveWindows": 2, "p95LatencyMs": 10000 } }""");
        await ImportAsync(host, "prices", OnnxSamples.Regression, ("alias", "production"));
        var reference = File.ReadAllLines(OnnxSamples.DataPath(OnnxSamples.Regression)).Skip(1).Select(l => l.Split(',')).ToArray();

        await SendAsync(host, clock, reference.Take(100).Select(v => Row(v, shift: 0)));
        var healthy = await TickAsync(host);
        clock.Advance(TimeSpan.FromMinutes(61));
        await SendAsync(host, clock, reference.Skip(100).Take(100).Select(v => Row(v, shift: 4)));
        var shifted = await TickAsync(host);

        Assert.Equal(100, healthy.GetProperty("rows").GetInt32());
        Assert.Equal("none", healthy.GetProperty("decision").GetProperty("action").GetString());
        Assert.False(healthy.GetProperty("drift").GetProperty("datasetDrift").GetBoolean());
        Assert.Equal(100, shifted.GetProperty("rows").GetInt32());
        Assert.True(shifted.GetProperty("drift").GetProperty("datasetDrift").GetBoolean());
        Assert.Equal("waiting", shifted.GetProperty("decision").GetProperty("action").GetString());
    }

    [Fact]
    public async Task A_training_run_over_an_onnx_production_version_compares_its_candidate_with_it_on_the_same_rows()
    {
        await using var host = await RunningHost.StartAsync();
        await host.DropAsync("churn/modelops.json", """{ "label": "churned", "exclude": ["customer_id"], "search": { "trials": 2, "parallelism": 2, "folds": 2 } }""");
        await ImportAsync(host, "churn", OnnxSamples.Churn, ("alias", "production"));

        await host.DropAsync("churn/customers.csv", await File.ReadAllTextAsync(OnnxSamples.DataPath(OnnxSamples.Churn)));
        var run = await host.WaitForRunAsync("churn", timeout: TimeSpan.FromMinutes(4));

        Assert.Equal("Completed", run.GetProperty("runtimeStatus").GetString());
        var evaluation = (await host.Blobs.GetBlobContainerClient("runs")
            .GetBlobClient($"{run.GetProperty("instanceId").GetString()}/evaluation.json").DownloadContentAsync()).Value.Content.ToObjectFromJson<JsonElement>();
        var comparison = evaluation.GetProperty("comparison");
        Assert.Equal(1, comparison.GetProperty("championVersion").GetInt32());
        Assert.False(comparison.TryGetProperty("championError", out var error) && error.ValueKind == JsonValueKind.String, error.ToString());
        Assert.InRange(comparison.GetProperty("champion").GetProperty("auc").GetDouble(), 0.6, 1.0);
        Assert.True(comparison.GetProperty("candidate").TryGetProperty("auc", out _));
    }

    [Fact]
    public async Task The_models_import_command_uploads_a_graph_and_its_reference_data()
    {
        await using var host = await RunningHost.StartAsync();
        var url = host.Http.BaseAddress!.ToString();
        var graph = Path.Combine(OnnxSamples.Folder, "regression.onnx");

        using var output = new StringWriter();
        var code = await ClientCommands.RunAsync("models", ["import", "prices", "--onnx", graph, "--data", OnnxSamples.DataPath(OnnxSamples.Regression),
            "--alias", "production", "--url", url], output);
        using var missing = new StringWriter();
        var usage = await ClientCommands.RunAsync("models", ["import", "prices", "--onnx", graph, "--url", url], missing);
        var (answered, body) = await host.PostJsonAsync("/api/models/prices/predict", """{"x1": 1, "x2": 0, "x3": 0}""");

        Assert.Equal(0, code);
        var said = System.Text.RegularExpressions.Regex.Replace(output.ToString(), @"\s+", " ");
        Assert.Contains("v1 (onnx, regression, 3 features) checked on 300 reference rows: r2 ", said);
        Assert.Contains("now points at it", said);
        Assert.Equal(2, usage);
        Assert.Contains("usage: modelops models import", missing.ToString());
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        Assert.Equal(4, body.GetProperty("predictions")[0].GetProperty("value").GetDouble(), 0.2); // 3*1 + 1, as generated
    }

    private static async Task<(HttpResponseMessage Response, JsonElement Body)> ImportAsync(
        RunningHost host, string model, string sample, params (string Name, string Value)[] fields) =>
        await ImportAsync(host, model, sample, OnnxSamples.DataPath(sample), fields);

    private static async Task<(HttpResponseMessage Response, JsonElement Body)> ImportAsync(
        RunningHost host, string model, string sample, string data, params (string Name, string Value)[] fields)
    {
        using var form = new MultipartFormDataContent
        {
            { new ByteArrayContent(OnnxSamples.Graph(sample)), "model", $"{sample}.onnx" },
            { new ByteArrayContent(await File.ReadAllBytesAsync(data)), "data", Path.GetFileName(data) },
        };
        foreach (var (name, value) in fields)
        {
            form.Add(new StringContent(value), name);
        }
        var response = await host.Http.PostAsync($"/api/models/{model}/versions", form);
        return (response, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    private static JsonObject Row(string[] values, double shift) => new()
    {
        ["x1"] = double.Parse(values[0], System.Globalization.CultureInfo.InvariantCulture) + shift,
        ["x2"] = double.Parse(values[1], System.Globalization.CultureInfo.InvariantCulture) + shift,
        ["x3"] = double.Parse(values[2], System.Globalization.CultureInfo.InvariantCulture) + shift,
    };

    /// <summary>Scores the rows in requests of 10, then lets the traffic log flush them (its interval runs on the clock).</summary>
    private static async Task SendAsync(RunningHost host, FakeTimeProvider clock, IEnumerable<JsonObject> rows)
    {
        var all = rows.ToList();
        var before = await WrittenAsync(host);
        foreach (var chunk in all.Chunk(10))
        {
            var (response, answer) = await host.PostJsonAsync("/api/models/prices/predict", new JsonObject { ["rows"] = new JsonArray(chunk.Select(r => (JsonNode)r).ToArray()) }.ToJsonString());
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(1, answer.GetProperty("version").GetInt32());
        }
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (await WrittenAsync(host) < before + all.Count)
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(50, cancel.Token);
        }
    }

    private static async Task<long> WrittenAsync(RunningHost host) =>
        (await host.Http.GetFromJsonAsync<JsonElement>("/api/health")).GetProperty("traffic").GetProperty("written").GetInt64();

    private static async Task<JsonElement> TickAsync(RunningHost host)
    {
        var (response, report) = await host.PostJsonAsync("/api/models/prices/monitor", "");
        Assert.True(response.IsSuccessStatusCode, report.ToString());
        return report;
    }
}
