using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ModelOps.Testing;

namespace ModelOps.Local.Tests;

/// <summary>Bad files and bad requests get a clear error, and the host keeps serving.</summary>
public sealed class BadInputTests
{
    public static TheoryData<string, byte[], string> MalformedFiles => new()
    {
        { "binary", [0x00, 0x01, 0xFF, 0xFE, 0x00, 0x10, 0x80, 0x81, 0x00, 0x00, 0x7F, 0x00], "binary" },
        { "empty", [], "empty" },
        { "header-only", "tenure,plan,churned\n"u8.ToArray(), "no data rows" },
        { "zip", [0x50, 0x4B, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x21, 0x00], "ZIP archive" },
    };

    [Theory]
    [MemberData(nameof(MalformedFiles))]
    public async Task A_malformed_file_fails_its_run_with_a_readable_reason(string name, byte[] content, string reason)
    {
        await using var host = await RunningHost.StartAsync();
        await host.DropAsync($"bad-{name}/data.csv", content);

        var run = await host.WaitForRunAsync($"bad-{name}");

        Assert.Equal("Failed", run.GetProperty("runtimeStatus").GetString());
        Assert.Contains(reason, run.GetProperty("output").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, (await host.Http.GetAsync("/api/health")).StatusCode);
        // The unreadable file left the drop zone for quarantine, with its reason beside it.
        var quarantine = host.Blobs.GetBlobContainerClient("quarantine");
        Assert.True(await quarantine.GetBlobClient($"bad-{name}/data.csv").ExistsAsync());
        Assert.Contains(reason, (await quarantine.GetBlobClient($"bad-{name}/data.csv.reason.txt").DownloadContentAsync()).Value.Content.ToString(),
            StringComparison.OrdinalIgnoreCase);
        Assert.False(await host.Blobs.GetBlobContainerClient("datasets").GetBlobClient($"bad-{name}/data.csv").ExistsAsync());
    }

    [Fact]
    public async Task Data_that_fails_validation_fails_the_run_with_its_anomaly_codes_and_trains_nothing()
    {
        await using var host = await RunningHost.StartAsync();
        await host.DropAsync("declared/modelops.json", """
            { "label": "churned",
              "data": { "schema": [ { "name": "tenure", "kind": "numeric" }, { "name": "plan", "kind": "categorical" },
                                    { "name": "region", "kind": "categorical" }, { "name": "churned", "kind": "categorical" } ] } }
            """);
        var rows = string.Join("\n", Enumerable.Range(0, 60).Select(i => $"{(i % 3 == 0 ? "long" : i.ToString())},{(i % 2 == 0 ? "a" : "b")},{(i % 4 == 0 ? "yes" : "no")}"));
        await host.DropAsync("declared/data.csv", "tenure,plan,churned\n" + rows + "\n");

        var run = await host.WaitForRunAsync("declared");

        Assert.Equal("Failed", run.GetProperty("runtimeStatus").GetString());
        var output = run.GetProperty("output").GetString()!;
        Assert.Contains("failed validation", output);
        Assert.Contains("[missing_column] 'region'", output);
        Assert.Contains("[type_mismatch] 'tenure'", output);
        Assert.Empty((await host.Http.GetFromJsonAsync<JsonElement[]>("/api/models"))!);
    }

    [Fact]
    public async Task A_json_lines_file_trains_like_a_csv_even_with_a_key_first_met_past_the_first_chunk()
    {
        await using var host = await RunningHost.StartAsync();
        var csv = SyntheticData.Binary(rows: 10_000, seed: 51).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = csv[0].Split(',');
        // The label is the last column by default: name it, as the late key becomes the last column.
        await host.DropAsync("lines/modelops.json", $$"""{ "label": "{{header[^1]}}", "search": { "trials": 2, "parallelism": 2, "folds": 2 } }""");
        // The lines stream in chunks of 8,192 rows; "referrer" first turns up after that, so ingest reads the file again.
        var lines = csv.Skip(1).Select((line, i) =>
        {
            var row = header.Zip(line.Split(','), (h, v) => (h, v)).Where(p => p.v.Length > 0).ToDictionary(p => p.h, p => p.v);
            if (i >= 9_000) row["referrer"] = i % 2 == 0 ? "search" : "ad";
            return System.Text.Json.JsonSerializer.Serialize(row);
        });
        await host.DropAsync("lines/customers.jsonl", string.Join("\n", lines) + "\n");

        PipelineEndToEndTests.AssertDeployed(await host.WaitForRunAsync("lines"), version: 1);
        var version = (await host.Http.GetFromJsonAsync<JsonElement>("/api/models/lines")).GetProperty("versions")[0];
        Assert.Contains("referrer", version.GetProperty("features").EnumerateArray().Select(f => f.GetString()));
    }

    [Fact]
    public async Task Every_row_left_out_lands_in_the_quarantine_csv_with_its_reason_unreadable_lines_first()
    {
        await using var host = await RunningHost.StartAsync();
        await host.DropAsync("dirty/modelops.json", """{ "search": { "trials": 2, "parallelism": 2, "folds": 2 } }""");
        var lines = SyntheticData.Binary(rows: 5_000, seed: 52).Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
        var width = lines[0].Split(',').Length;
        // Past the first chunks (4,096 rows each): every data row twice (the second an exact duplicate), two ragged lines the
        // reader cannot take, and at the end three rows without a label.
        var rows = new List<string> { lines[0] };
        foreach (var line in lines.Skip(1)) rows.AddRange([line, line]);
        rows.Insert(5, "1,2"); // line 6
        rows.Insert(9_000, string.Join(',', Enumerable.Repeat("9", width + 2))); // line 9,001: two extra fields
        var unlabelledFrom = rows.Count + 1;
        var duplicates = 10_000 - lines.Skip(1).Distinct().Count(); // a few generated rows repeat too
        rows.AddRange(lines.Skip(1).Take(3).Select(l => l[..(l.LastIndexOf(',') + 1)] + ""));
        await host.DropAsync("dirty/data.csv", string.Join("\n", rows) + "\n");

        var run = await host.WaitForRunAsync("dirty");

        PipelineEndToEndTests.AssertDeployed(run, version: 1);
        var runId = run.GetProperty("instanceId").GetString()!;
        var output = run.GetProperty("output").ToString();
        Assert.True(output.Contains($"{duplicates + 5} rejected rows"), output);
        var csv = (await host.Blobs.GetBlobContainerClient("quarantine").GetBlobClient($"{runId}/rejected.csv").DownloadContentAsync())
            .Value.Content.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["row", "reason", .. lines[0].Split(','), "extra_1", "extra_2"], csv[0].Split(','));
        Assert.Equal(duplicates + 5, csv.Length - 1);
        // The reader's two, then the data pass's in the order read: the duplicates, then the 3 rows without a label.
        Assert.StartsWith("6,data.csv: has 2 fields", csv[1]);
        Assert.StartsWith($"9001,data.csv: has {width + 2} fields", csv[2]);
        var setAside = csv.Skip(3).Select(l => l.Split(',')).ToList();
        Assert.All(setAside.Take(duplicates), r => Assert.StartsWith("data.csv: exact duplicate of row ", r[1]));
        var numbers = setAside.Select(r => long.Parse(r[0])).ToList();
        Assert.Equal(numbers.Order(), numbers);
        Assert.Equal(Enumerable.Range(unlabelledFrom, 3).Select(n => (long)n), numbers.Skip(duplicates));
        Assert.All(setAside.Skip(duplicates), r => Assert.Equal("data.csv: label is missing", r[1]));
        // Line 3 repeats line 2; set-aside rows are written as the file has them (45.10 stays 45.10, yes stays yes).
        Assert.Equal(["3", "data.csv: exact duplicate of row 2"], setAside[0].Take(2));
        Assert.Equal(lines[1].Split(','), setAside[0].Skip(2).Take(width));
        Assert.Equal(lines[1][..(lines[1].LastIndexOf(',') + 1)].Split(','), setAside[duplicates].Skip(2).Take(width));
    }

    [Fact]
    public async Task A_file_without_the_configured_label_fails_and_names_the_column()
    {
        await using var host = await RunningHost.StartAsync();
        await host.DropAsync("nolabel/modelops.json", """{ "label": "churned" }""");
        await host.DropAsync("nolabel/data.csv", "tenure,plan\n1,a\n2,b\n3,a\n");

        var run = await host.WaitForRunAsync("nolabel");

        Assert.Equal("Failed", run.GetProperty("runtimeStatus").GetString());
        Assert.Contains("churned", run.GetProperty("output").GetString());
    }

    [Fact]
    public async Task Predict_on_an_unknown_model_is_404_problem_details()
    {
        await using var host = await RunningHost.StartAsync();

        var (response, body) = await host.PostJsonAsync("/api/models/nobody/predict", """{ "x": 1 }""");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("nobody", body.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Predict_with_bad_json_is_400_problem_details()
    {
        await using var host = await RunningHost.StartAsync();

        var (response, body) = await host.PostJsonAsync("/api/models/anything/predict", """{ "x": 1, """);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("JSON", body.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task An_oversized_predict_body_is_413_whether_its_length_is_declared_or_chunked_and_the_host_keeps_serving()
    {
        await using var host = await RunningHost.StartAsync(null, "--ModelOps:MaxRequestBytes", "2000", "--ModelOps:MaxPredictRows", "3");
        var big = "{\"rows\": [" + string.Join(",", Enumerable.Repeat("""{ "tenure": 12, "plan": "basic" }""", 100)) + "]}";

        var declared = await host.Http.PostAsync("/api/models/anything/predict", new StringContent(big, System.Text.Encoding.UTF8, "application/json"));
        var chunked = await host.Http.PostAsync("/api/models/anything/predict", new ChunkedContent(big));
        var (tooManyRows, body) = await host.PostJsonAsync("/api/models/anything/predict",
            """{"rows": [{ "tenure": 1 }, { "tenure": 2 }, { "tenure": 3 }, { "tenure": 4 }]}""");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, declared.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, chunked.StatusCode);
        Assert.Equal("application/problem+json", chunked.Content.Headers.ContentType?.MediaType);
        Assert.Contains("2000 bytes", await chunked.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooManyRows.StatusCode);
        Assert.Contains("at most 3", body.GetProperty("detail").GetString());
        var health = await host.Http.GetFromJsonAsync<JsonElement>("/api/health");
        Assert.Equal("healthy", health.GetProperty("status").GetString());
        // The host says what its runtime is doing: what an operator reads when latency moves.
        var process = health.GetProperty("process");
        Assert.True(process.GetProperty("allocatedBytes").GetInt64() > 0);
        Assert.True(process.GetProperty("threadPoolThreads").GetInt32() > 0);
        Assert.True(process.GetProperty("gcPausedMilliseconds").GetDouble() >= 0);
    }

    /// <summary>A body sent in chunks, with no Content-Length, so the server only finds its size by reading it.</summary>
    private sealed class ChunkedContent(string text) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes(text);
            for (var i = 0; i < bytes.Length; i += 500)
            {
                await stream.WriteAsync(bytes.AsMemory(i, Math.Min(500, bytes.Length - i)));
                await stream.FlushAsync();
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    [Fact]
    public async Task An_invalid_model_name_is_400_and_an_unknown_run_is_404()
    {
        await using var host = await RunningHost.StartAsync();

        var (invalid, _) = await host.PostJsonAsync("/api/models/Bad..Name/predict", "{}");
        var unknown = await host.Http.GetAsync("/api/runs/no-such-run");
        var retrain = await host.Http.PostAsync("/api/retrain/empty-model", null);

        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, retrain.StatusCode);
    }

    [Fact]
    public async Task Retrain_over_http_returns_the_management_payload_and_trains()
    {
        await using var host = await RunningHost.StartAsync();
        await host.DropAsync("churn/modelops.json", """{ "search": { "trials": 2, "parallelism": 2, "folds": 2 } }""");
        await host.DropAsync("churn/customers.csv", SyntheticData.Binary(rows: 300, seed: 5));
        await host.WaitForRunAsync("churn");

        var response = await host.Http.PostAsync("/api/retrain/churn", null);
        var second = await host.Http.PostAsync("/api/retrain/churn", null);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        var payload = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var id = payload.GetProperty("id").GetString()!;
        Assert.Equal(payload.GetProperty("statusQueryGetUri").GetString(), response.Headers.Location?.ToString());
        foreach (var field in new[] { "sendEventPostUri", "terminatePostUri", "purgeHistoryDeleteUri" })
        {
            Assert.Contains(id, payload.GetProperty(field).GetString());
        }
        var run = await host.WaitForRunAsync(id, RunningHost.IsFinished);
        Assert.Equal("Completed", run.GetProperty("runtimeStatus").GetString());
        Assert.Equal("churn", run.GetProperty("input").GetProperty("model").GetString());
        Assert.Equal("http", run.GetProperty("input").GetProperty("trigger").GetString());
        // Once it has finished (its guard a moment after the run), the next retrain is welcome, and the first keeps its history.
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while ((await host.Http.PostAsync("/api/retrain/churn", null, cancel.Token)).StatusCode == HttpStatusCode.Conflict)
        {
            await Task.Delay(100, cancel.Token);
        }
        Assert.Equal(HttpStatusCode.OK, (await host.Http.GetAsync($"/api/runs/{id}")).StatusCode);
    }
}
