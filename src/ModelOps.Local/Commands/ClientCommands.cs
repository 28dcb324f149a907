using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ModelOps.Core.Storage;
using Spectre.Console;

namespace ModelOps.Local.Commands;

/// <summary>
/// The commands that drive a running host over its HTTP API, as a user would: <c>runs</c>, <c>models</c>
/// (and <c>models import</c>), <c>predict</c>, <c>retrain</c>, <c>approve</c>/<c>reject</c>. The host is <c>--url</c> (default the serve default),
/// the key <c>--key</c> or <c>ModelOps__ApiKey</c>.
/// </summary>
internal static class ClientCommands
{
    public static async Task<int> RunAsync(string command, string[] args, TextWriter output)
    {
        var options = Options.Parse(args);
        using var http = new HttpClient { BaseAddress = new Uri(options.Url), Timeout = TimeSpan.FromSeconds(100) };
        if (options.Key is { Length: > 0 } key)
        {
            http.DefaultRequestHeaders.Add("x-functions-key", key);
        }
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
        try
        {
            return command switch
            {
                "runs" => await RunsAsync(http, options, console),
                "models" when options.Positional is ["import", ..] => await ImportAsync(http, options, console),
                "models" => await ModelsAsync(http, console),
                "predict" => await PredictAsync(http, options, output),
                "retrain" => await RetrainAsync(http, options, console),
                "approve" or "reject" => await EventAsync(http, options, command, console),
                _ => throw new ArgumentException($"Unknown command '{command}'."),
            };
        }
        catch (HttpRequestException e)
        {
            console.MarkupLine($"[red]No ModelOps host answered at {Markup.Escape(options.Url)}: {Markup.Escape(e.Message)}[/] Start one with `modelops serve`.");
            return 1;
        }
        catch (ArgumentException e)
        {
            console.MarkupLine($"[red]{Markup.Escape(e.Message)}[/]");
            return 2;
        }
    }

    private static async Task<int> RunsAsync(HttpClient http, Options options, IAnsiConsole console)
    {
        var query = options.Positional.Count > 0 ? $"?model={Uri.EscapeDataString(options.Positional[0])}&top=20" : "?top=20";
        var runs = await GetAsync(http, "/api/runs" + query);
        var table = new Table().AddColumns("run", "model", "status", "step", "created", "outcome");
        foreach (var run in runs.EnumerateArray())
        {
            var output = run.TryGetProperty("output", out var o) ? o : default;
            var outcome = output.ValueKind switch
            {
                JsonValueKind.Object when output.TryGetProperty("outcome", out var x) =>
                    x.GetString() + (output.TryGetProperty("version", out var v) ? $" v{v}" : ""),
                JsonValueKind.String => output.GetString()!,
                _ => "",
            };
            var step = run.TryGetProperty("customStatus", out var status) && status.ValueKind == JsonValueKind.Object
                ? status.GetProperty("step").GetString()! : "";
            table.AddRow(Markup.Escape(run.GetProperty("instanceId").GetString()!), Markup.Escape(run.GetProperty("input").GetProperty("model").GetString()!),
                run.GetProperty("runtimeStatus").GetString()!, step, run.GetProperty("createdTime").GetDateTimeOffset().ToString("u"),
                Markup.Escape(outcome.Length > 80 ? outcome[..80] + "..." : outcome));
        }
        console.Write(table);
        return 0;
    }

    private static async Task<int> ModelsAsync(HttpClient http, IAnsiConsole console)
    {
        var models = await GetAsync(http, "/api/models");
        var table = new Table().AddColumns("model", "task", "aliases", "versions", "latest metrics");
        foreach (var model in models.EnumerateArray())
        {
            var latest = model.GetProperty("versions")[0];
            table.AddRow(model.GetProperty("name").GetString()!, model.GetProperty("task").GetString()!,
                string.Join(", ", model.GetProperty("aliases").EnumerateObject().Select(a => $"{a.Name} v{a.Value}")),
                model.GetProperty("versions").GetArrayLength().ToString(),
                $"v{latest.GetProperty("version")}: " + string.Join(", ", latest.GetProperty("metrics").EnumerateObject().Take(3)
                    .Select(m => $"{m.Name} {m.Value.GetDouble():0.###}")));
        }
        console.Write(table);
        return 0;
    }

    /// <summary>
    /// <c>models import &lt;model&gt; --onnx model.onnx --data reference.csv [--label x] [--task t] [--alias production] [--features a,b]</c>:
    /// uploads an ONNX model and its reference data; the host checks, profiles and registers it.
    /// </summary>
    private static async Task<int> ImportAsync(HttpClient http, Options options, IAnsiConsole console)
    {
        const string usage = "usage: modelops models import <model> --onnx model.onnx --data reference.csv [--label column] [--task binary|multiclass|regression] [--alias production] [--features a,b,c]";
        if (options.Positional.Count < 2 || !ModelName.TryParse(options.Positional[1], out var model, out _)
            || options.Named.GetValueOrDefault("onnx") is not { } onnx || options.Named.GetValueOrDefault("data") is not { } data)
        {
            throw new ArgumentException(usage);
        }
        foreach (var file in new[] { onnx, data }.Where(f => !File.Exists(f)))
        {
            throw new ArgumentException($"There is no file '{file}'.");
        }
        using var form = new MultipartFormDataContent
        {
            { new ByteArrayContent(await File.ReadAllBytesAsync(onnx)), "model", Path.GetFileName(onnx) },
            { new ByteArrayContent(await File.ReadAllBytesAsync(data)), "data", Path.GetFileName(data) },
        };
        foreach (var field in new[] { "label", "task", "alias", "features" })
        {
            if (options.Named.GetValueOrDefault(field) is { } value)
            {
                form.Add(new StringContent(value), field);
            }
        }
        using var response = await http.PostAsync($"/api/models/{model}/versions", form);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        if (!response.IsSuccessStatusCode)
        {
            console.MarkupLine($"[red]{Markup.Escape(body.TryGetProperty("detail", out var detail) ? detail.GetString()! : $"{(int)response.StatusCode}")}[/]");
            return 1;
        }
        var metrics = string.Join(", ", body.GetProperty("metrics").EnumerateObject().Select(m => $"{m.Name} {m.Value.GetDouble():0.###}"));
        console.MarkupLine($"Registered [bold]{model}[/] v{body.GetProperty("version")} (onnx, {body.GetProperty("task").GetString()}, "
            + $"{body.GetProperty("features").GetArrayLength()} features) checked on {body.GetProperty("referenceRows")} reference rows: {Markup.Escape(metrics)}"
            + (body.TryGetProperty("alias", out var alias) && alias.ValueKind == JsonValueKind.String ? $"; [green]{Markup.Escape(alias.GetString()!)}[/] now points at it." : "."));
        return 0;
    }

    /// <summary>Scores JSON given as an argument, or read from standard input; prints the answer as JSON.</summary>
    private static async Task<int> PredictAsync(HttpClient http, Options options, TextWriter output)
    {
        var model = Model(options);
        var body = options.Positional.Count > 1 ? options.Positional[1] : await Console.In.ReadToEndAsync();
        using var response = await http.PostAsync($"/api/models/{model}/predict", new StringContent(body, Encoding.UTF8, "application/json"));
        await output.WriteLineAsync(await response.Content.ReadAsStringAsync());
        return response.IsSuccessStatusCode ? 0 : 1;
    }

    private static async Task<int> RetrainAsync(HttpClient http, Options options, IAnsiConsole console)
    {
        var model = Model(options);
        using var response = await http.PostAsync($"/api/retrain/{model}", null);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        if (!response.IsSuccessStatusCode)
        {
            console.MarkupLine($"[red]{Markup.Escape(body.GetProperty("detail").GetString()!)}[/]");
            return 1;
        }
        console.MarkupLine($"Retrain of [bold]{model}[/] started: run [blue]{Markup.Escape(body.GetProperty("id").GetString()!)}[/] ({Markup.Escape(body.GetProperty("statusQueryGetUri").GetString()!)})");
        return 0;
    }

    private static async Task<int> EventAsync(HttpClient http, Options options, string name, IAnsiConsole console)
    {
        if (options.Positional.Count == 0)
        {
            throw new ArgumentException($"usage: modelops {name} <run id>");
        }
        var run = options.Positional[0];
        using var response = await http.PostAsync($"/api/runs/{Uri.EscapeDataString(run)}/events/{name}", null);
        if (!response.IsSuccessStatusCode)
        {
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            console.MarkupLine($"[red]{Markup.Escape(problem.GetProperty("detail").GetString()!)}[/]");
            return 1;
        }
        console.MarkupLine($"Sent [bold]{name}[/] to run {Markup.Escape(run)}.");
        return 0;
    }

    private static string Model(Options options) =>
        options.Positional.Count > 0 && ModelName.TryParse(options.Positional[0], out var model, out _)
            ? model
            : throw new ArgumentException("Name the model: a valid model name is the first argument.");

    private static async Task<JsonElement> GetAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return response.IsSuccessStatusCode
            ? body
            : throw new ArgumentException(body.TryGetProperty("detail", out var detail) ? detail.GetString()! : $"{(int)response.StatusCode} from {path}");
    }

    /// <param name="Named">Other <c>--name value</c> options, e.g. import's <c>--onnx</c> and <c>--data</c>.</param>
    private sealed record Options(string Url, string? Key, IReadOnlyList<string> Positional, IReadOnlyDictionary<string, string> Named)
    {
        private static readonly string[] NamedOptions = ["onnx", "data", "label", "task", "alias", "features"];

        public static Options Parse(string[] args)
        {
            var url = Environment.GetEnvironmentVariable("MODELOPS_URL") ?? Hosting.LocalHost.DefaultUrls;
            var key = Environment.GetEnvironmentVariable("ModelOps__ApiKey");
            var positional = new List<string>();
            var named = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i < args.Length; i++)
            {
                switch (args[i])
                {
                    case "--url" when i + 1 < args.Length:
                        url = args[++i];
                        break;
                    case "--key" when i + 1 < args.Length:
                        key = args[++i];
                        break;
                    case ['-', '-', .. var name] when NamedOptions.Contains(name) && i + 1 < args.Length:
                        named[name] = args[++i];
                        break;
                    default:
                        positional.Add(args[i]);
                        break;
                }
            }
            return new Options(url, key, positional, named);
        }
    }
}
