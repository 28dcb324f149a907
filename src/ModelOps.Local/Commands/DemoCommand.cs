using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Storage.Blobs;
using ModelOps.Core.Data;
using ModelOps.Core.Storage;
using ModelOps.Local.Hosting;
using Spectre.Console;

namespace ModelOps.Local.Commands;

/// <summary>
/// <c>modelops demo</c>: starts a host on a fresh Azurite, drops the sample dataset, follows the run step by step
/// to a deployed model, and scores a few rows over HTTP. Exits 0 only when all of that worked.
/// </summary>
internal static class DemoCommand
{
    private const string Model = "churn";
    private const string SampleFile = "samples/churn/customers.csv";

    public static async Task<int> RunAsync(string[] args)
    {
        var sample = FindSample();
        if (sample is null)
        {
            AnsiConsole.MarkupLine($"[red]The sample dataset {SampleFile} was not found above {Environment.CurrentDirectory}.[/]");
            return 1;
        }
        var azuriteData = Path.Combine(Path.GetTempPath(), "modelops-demo-" + Guid.NewGuid().ToString("N")[..8]);
        string[] hostArgs = ["--urls", "http://127.0.0.1:0", "--ModelOps:AzuriteLocation", azuriteData,
            "--Logging:LogLevel:Default", "Warning", .. args];

        AnsiConsole.MarkupLine("[bold]ModelOps demo[/]: drop a CSV, get a deployed model, score it over HTTP.");
        var clock = Stopwatch.StartNew();
        await using var host = await LocalHost.StartAsync(hostArgs);
        AnsiConsole.MarkupLine($"Host started on [blue]{host.BaseAddress}[/] with Azurite in {azuriteData} ({clock.Elapsed.TotalSeconds:0.0} s)");
        using var http = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromMinutes(5) };

        var started = Stopwatch.StartNew();
        var datasets = new BlobServiceClient(host.StorageConnectionString).GetBlobContainerClient(StorageLayout.Datasets);
        var config = Path.Combine(Path.GetDirectoryName(sample)!, StorageLayout.ModelConfigFile);
        if (File.Exists(config))
        {
            // The config goes first: it never starts a run, and the data run reads it.
            await datasets.GetBlobClient($"{Model}/{StorageLayout.ModelConfigFile}").UploadAsync(config, overwrite: true);
        }
        var blobName = $"{Model}/{Path.GetFileName(sample)}";
        await datasets.GetBlobClient(blobName).UploadAsync(sample, overwrite: true);
        AnsiConsole.MarkupLine($"Dropped [green]{SampleFile}[/] ({new FileInfo(sample).Length / 1024} KiB) and its {StorageLayout.ModelConfigFile} at datasets/{Model}/");

        var run = await FollowRunAsync(http);
        var deployedAfter = started.Elapsed;
        if (run.GetProperty("runtimeStatus").GetString() != "Completed")
        {
            AnsiConsole.MarkupLine($"[red]The run ended {run.GetProperty("runtimeStatus").GetString()}: {Markup.Escape(run.GetProperty("output").ToString())}[/]");
            return 1;
        }
        var output = run.GetProperty("output");
        ShowResult(output);
        if (output.GetProperty("outcome").GetString() != "deployed")
        {
            AnsiConsole.MarkupLine("[red]The candidate did not pass its gates, so nothing was deployed.[/]");
            return 1;
        }
        AnsiConsole.MarkupLine($"Data dropped -> model deployed in [bold]{deployedAfter.TotalSeconds:0.0} s[/].");

        await PredictAsync(http, sample);
        return 0;
    }

    private static async Task<JsonElement> FollowRunAsync(HttpClient http)
    {
        string? runId = null;
        JsonElement status = default;
        var shown = new HashSet<string>();
        var stepClock = Stopwatch.StartNew();
        var step = 0; // the step number last seen; steps shorter than a poll still get their line
        var interactive = AnsiConsole.Profile.Capabilities.Interactive;
        await AnsiConsole.Status().StartAsync("Waiting for the dataset watcher...", async context =>
        {
            void Finish(int upTo)
            {
                for (; step < upTo; step++)
                {
                    if (step > 0)
                    {
                        AnsiConsole.MarkupLine($"  [green]done[/] {RunSteps[step - 1],-9} {stepClock.Elapsed.TotalSeconds,5:0.0} s");
                        stepClock.Restart();
                    }
                }
            }

            while (true)
            {
                if (runId is null)
                {
                    var runs = await http.GetFromJsonAsync<JsonElement>($"/api/runs?model={Model}");
                    if (runs.GetArrayLength() > 0)
                    {
                        runId = runs[0].GetProperty("instanceId").GetString();
                        AnsiConsole.MarkupLine($"Run [blue]{runId}[/] started");
                    }
                }
                else
                {
                    status = await http.GetFromJsonAsync<JsonElement>($"/api/runs/{runId}");
                    if (status.TryGetProperty("customStatus", out var custom) && custom.ValueKind == JsonValueKind.Object)
                    {
                        var number = custom.GetProperty("stepNumber").GetInt32();
                        var message = Markup.Escape(custom.GetProperty("message").GetString()!);
                        Finish(number);
                        if (interactive)
                        {
                            context.Status($"{RunSteps[number - 1]} ({number}/{RunSteps.Count}): {message}");
                        }
                        if (shown.Add(message))
                        {
                            AnsiConsole.MarkupLine($"  [grey]{RunSteps[number - 1],-9} {message}[/]");
                        }
                    }
                    if (RunningStates.Contains(status.GetProperty("runtimeStatus").GetString()) is false)
                    {
                        if (status.GetProperty("runtimeStatus").GetString() == "Completed")
                        {
                            Finish(step + 1); // the step the run ended on is done too
                        }
                        return;
                    }
                }
                await Task.Delay(200);
            }
        });
        return status;
    }

    private static readonly IReadOnlyList<string> RunSteps = ModelOps.Core.Pipelines.RunProgress.StepNames;
    private static readonly HashSet<string?> RunningStates = ["Pending", "Running"];

    private static void ShowResult(JsonElement output)
    {
        var table = new Spectre.Console.Table().AddColumns("metric", "candidate", "production before");
        var champion = output.TryGetProperty("championMetrics", out var c) ? c : default;
        foreach (var metric in output.GetProperty("metrics").EnumerateObject())
        {
            var before = champion.ValueKind == JsonValueKind.Object && champion.TryGetProperty(metric.Name, out var m)
                ? m.GetDouble().ToString("0.####") : "-";
            table.AddRow(metric.Name, metric.Value.GetDouble().ToString("0.####"), before);
        }
        AnsiConsole.Write(table);
        if (output.TryGetProperty("championSkipped", out var skipped))
        {
            AnsiConsole.MarkupLine($"Production comparison: {Markup.Escape(skipped.GetString()!)}");
        }
        foreach (var note in output.GetProperty("notes").EnumerateArray())
        {
            AnsiConsole.MarkupLine($"Note: {Markup.Escape(note.GetString()!)}");
        }
        var latency = output.GetProperty("latency");
        AnsiConsole.MarkupLine($"Candidate single-row latency: p50 {latency.GetProperty("p50Ms").GetDouble():0.000} ms, p95 {latency.GetProperty("p95Ms").GetDouble():0.000} ms");
        var gate = output.GetProperty("gate");
        AnsiConsole.MarkupLine($"Best trainer: [bold]{output.GetProperty("trainer").GetString()}[/] " +
            $"({output.GetProperty("trialsRun").GetInt32()} trials). Gate: {(gate.GetProperty("passed").GetBoolean() ? "[green]passed[/]" : "[red]failed[/]")}");
        foreach (var reason in gate.GetProperty("reasons").EnumerateArray())
        {
            AnsiConsole.MarkupLine($"  - {Markup.Escape(reason.GetString()!)}");
        }
        if (output.TryGetProperty("version", out var version))
        {
            AnsiConsole.MarkupLine($"Registered and deployed [bold]{Model} v{version.GetInt32()}[/] as production.");
        }
    }

    private static async Task PredictAsync(HttpClient http, string sample)
    {
        var (rows, label) = await SampleRowsAsync(sample, count: 5);
        var response = await http.PostAsJsonAsync($"/api/models/{Model}/predict", new { rows = rows.Select(r => r.Features) });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"predict answered {(int)response.StatusCode}: {body}");
        }
        AnsiConsole.MarkupLine($"POST /api/models/{Model}/predict -> served by version [bold]{body.GetProperty("version").GetInt32()}[/], request {body.GetProperty("requestId").GetString()}");
        var table = new Spectre.Console.Table().AddColumns("row", "actual " + label, "predicted", "probability");
        var predictions = body.GetProperty("predictions");
        for (var i = 0; i < rows.Count; i++)
        {
            var p = predictions[i];
            table.AddRow((i + 1).ToString(), rows[i].Actual, p.GetProperty("label").GetRawText(), p.GetProperty("probability").GetDouble().ToString("0.000"));
        }
        AnsiConsole.Write(table);
    }

    /// <summary>A few rows of the sample with the label taken out, to send as a client would (missing cells as null).</summary>
    private static async Task<(List<SampleRow> Rows, string Label)> SampleRowsAsync(string path, int count)
    {
        await using var file = File.OpenRead(path);
        var table = (await CsvTableReader.ReadAsync(file)).Table;
        var label = table.Schema.Columns[^1].Name;
        var rows = new List<SampleRow>();
        for (var r = 0; r < table.RowCount && rows.Count < count; r++)
        {
            var features = new Dictionary<string, object?>();
            for (var c = 0; c < table.ColumnCount - 1; c++)
            {
                features[table.Schema.Columns[c].Name] = table.Schema.Columns[c].Kind switch
                {
                    ColumnKind.Categorical => table.Categorical(c)[r],
                    ColumnKind.Boolean => double.IsNaN(table.Numeric(c)[r]) ? null : table.Numeric(c)[r] == 1,
                    _ => double.IsNaN(table.Numeric(c)[r]) ? null : table.Numeric(c)[r],
                };
            }
            rows.Add(new SampleRow(features, Actual(table, table.ColumnCount - 1, r)));
        }
        return (rows, label);
    }

    private static string Actual(ModelOps.Core.Data.Table table, int column, int row) => table.Schema.Columns[column].Kind switch
    {
        ColumnKind.Categorical => table.Categorical(column)[row] ?? "",
        ColumnKind.Boolean => table.Numeric(column)[row] == 1 ? "true" : "false",
        _ => table.Numeric(column)[row].ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private static string? FindSample()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, SampleFile);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }
        return null;
    }

    private sealed record SampleRow(Dictionary<string, object?> Features, string Actual);
}
