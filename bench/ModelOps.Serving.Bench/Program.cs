using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Azure.Storage.Blobs;
using ModelOps.Core.Registry;
using ModelOps.Core.Serving;
using ModelOps.Core.Serving.Onnx;
using ModelOps.Core.Storage;
using ModelOps.Core.Training;
using ModelOps.Local.Hosting;
using ModelOps.Local.Storage;
using ModelOps.Serving.Bench;
using ModelOps.Testing;

// Serving benchmark (issue 5, benchmark 1). See bench/ModelOps.Serving.Bench/README.md.
if (args is [FloorServer.Command])
{
    return await FloorServer.RunAsync();
}
var options = BenchOptions.Parse(args);
if (options is null)
{
    Console.Error.WriteLine("usage: [--seconds 10] [--rate 1000] [--closed-seconds 5] [--clients 16] [--blocks 40] [--per-block 1000] [--rows 400] [--connections 32] [--warmup-seconds 40]");
    return 2;
}

// BENCH_HOST_ENV="NAME=value;NAME=value" adds environment variables to the host's (runtime settings to compare).
// The host's default poll (1 s): a faster one would list blobs 10 times a second beside the load.
var hostSettings = new Dictionary<string, string> { ["ModelOps__DatasetPollInterval"] = "00:00:01" };
foreach (var setting in (Environment.GetEnvironmentVariable("BENCH_HOST_ENV") ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries))
{
    var equals = setting.IndexOf('=');
    if (equals <= 0)
    {
        Console.Error.WriteLine($"BENCH_HOST_ENV: '{setting}' is not NAME=value.");
        return 2;
    }
    hostSettings[setting[..equals]] = setting[(equals + 1)..];
}

// Azurite keeps its blobs in memory-backed /dev/shm where there is one (BENCH_AZURITE_DISK=1: on disk, in the temp
// folder): its writes to this VM's disk, beside the load, put 1-3 ms on predict's p99 in alternating runs, and in Azure
// the traffic log's storage is not the serving host's disk.
var azuriteFolder = Directory.Exists("/dev/shm") && Environment.GetEnvironmentVariable("BENCH_AZURITE_DISK") != "1"
    ? Path.Combine("/dev/shm", "servebench-azurite-" + Guid.NewGuid().ToString("N")[..8])
    : null;
Console.Error.WriteLine($"Starting Azurite ({azuriteFolder ?? "on disk"}) and the local host…");
using var azuriteData = new RemovedAtEnd(azuriteFolder); // after Azurite has stopped (disposed in reverse order)
await using var azurite = await Azurite.StartAsync(azuriteFolder);
var storage = azurite.ConnectionString();
await using var host = await HostProcess.StartAsync(storage, hostSettings,
    (Environment.GetEnvironmentVariable("BENCH_HOST_ARGS") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries));

Console.Error.WriteLine("Training 'churn' through the pipeline…");
var datasets = new BlobServiceClient(storage).GetBlobContainerClient(StorageLayout.Datasets);
await datasets.GetBlobClient("churn/modelops.json").UploadAsync(BinaryData.FromString("""{"search":{"trials":2,"parallelism":2,"folds":2}}"""), overwrite: true);
await datasets.GetBlobClient("churn/customers.csv").UploadAsync(BinaryData.FromString(SyntheticData.Binary(options.Rows, seed: 1)), overwrite: true);
using var http = Client(host.Address, options.Connections);
var trainStarted = Stopwatch.GetTimestamp();
while (true)
{
    var runs = await http.GetFromJsonAsync<JsonElement>("/api/runs?model=churn");
    var status = runs.GetArrayLength() > 0 ? runs[0].GetProperty("runtimeStatus").GetString() : null;
    if (status is "Completed" or "Failed" or "Terminated")
    {
        if (status != "Completed")
        {
            throw new InvalidOperationException($"Training did not complete: {runs[0]}");
        }
        break;
    }
    if (Stopwatch.GetElapsedTime(trainStarted) > TimeSpan.FromMinutes(5))
    {
        throw new TimeoutException("Training took over 5 minutes.");
    }
    await Task.Delay(200);
}
Console.Error.WriteLine($"Trained in {Stopwatch.GetElapsedTime(trainStarted).TotalSeconds:F1} s.");

// The production model as the host serves it: manifest and model.zip from the registry.
var registry = new ModelRegistry(new BlobServiceClient(storage), TimeProvider.System);
var name = ModelName.Parse("churn");
var alias = await registry.GetAliasAsync(name, ModelRegistry.Production, CancellationToken.None)
    ?? throw new InvalidOperationException("No production version after training.");
var manifest = await registry.GetManifestAsync(name, alias.Version, CancellationToken.None)
    ?? throw new InvalidOperationException($"Version {alias.Version} is not registered.");
var featureSchema = manifest.Problem.FeatureSchema(manifest.Schema);
using var zip = await registry.DownloadModelAsync(manifest, CancellationToken.None);
var scorer = ModelScorer.Load(zip, manifest.Problem, featureSchema, manifest.Cleaning);
zip.Position = 0;
var model = TrainedModel.Load(zip, manifest.Problem, featureSchema);

var bodyText = PredictRows.Binary(1, seed: 7);
var row = JsonDocument.Parse(bodyText).RootElement.GetProperty("rows")[0].EnumerateObject()
    .ToDictionary(p => p.Name, p => p.Value.Clone(), StringComparer.OrdinalIgnoreCase);

Console.Error.WriteLine($"In process: {options.Blocks} blocks × {options.PerBlock} calls of each path…");
var inProcess = new InProcessBenchmark(model, scorer, row).Run(options.Blocks, options.PerBlock, warmup: 5_000);

// The same comparison for an ONNX version: the churn test graph (one input per column, as sklearn-onnx writes them)
// imported with the sample data, then loaded from the registry as serving loads it.
Console.Error.WriteLine("Importing the ONNX churn graph…");
await using var churnCsv = File.OpenRead(OnnxSamples.DataPath(OnnxSamples.Churn));
var onnxImport = await new OnnxImport(registry, new DatasetCatalog(new BlobServiceClient(storage))).ImportAsync(
    new OnnxImportRequest(ModelName.Parse("churn-onnx"), "customers.csv", Label: "churned"),
    OnnxSamples.Graph(OnnxSamples.Churn), churnCsv, CancellationToken.None);
using var onnxFile = await registry.DownloadModelAsync(onnxImport.Manifest, CancellationToken.None);
using var onnxScorer = (OnnxModelScorer)ScorerLoader.Load(onnxImport.Manifest, onnxFile);
Console.Error.WriteLine($"In process, ONNX: {options.Blocks} blocks × {options.PerBlock} calls of each path…");
var onnxInProcess = new OnnxInProcessBenchmark(onnxScorer, OnnxSamples.Rows(OnnxSamples.Churn)[0]).Run(options.Blocks, options.PerBlock, warmup: 5_000);

var body = Encoding.UTF8.GetBytes(bodyText);
var load = new HttpLoad(http, FloorServer.PredictPath, body);
// Long enough for the host's tiered JIT to finish recompiling the hot path: its background compiles compete with
// requests for the two cores, and a 3 s warm-up left them running into the measured seconds. 40 s by default: the
// traffic log flushes once a second, and a method is recompiled optimized after 30 calls, so a 10 s warm-up measured the
// flush (the Azure SDK's append included) still running its first, unoptimized code, as no host up a minute does.
Console.Error.WriteLine($"HTTP warm-up: {options.WarmupSeconds} s open loop…");
var warm = await load.OpenLoopAsync(options.Rate, options.WarmupSeconds);
Console.Error.WriteLine($"HTTP open loop: {options.Rate}/s for {options.Seconds} s…");
var hostBefore = await HostRuntimeAsync(http);
var open = await load.OpenLoopAsync(options.Rate, options.Seconds, trace: "open-loop");
var hostGc = await HostRuntimeAsync(http) - hostBefore;
var trafficAfterOpen = await SettledTrafficAsync(http);
HttpLoad.OpenResult floor;
await using (var floorServer = await FloorServer.StartAsync())
{
    Console.Error.WriteLine($"The floor: the same open loop against a constant endpoint, {options.Rate}/s for {options.Seconds} s…");
    using var floorHttp = Client(floorServer.Address, options.Connections);
    var floorLoad = new HttpLoad(floorHttp, FloorServer.PredictPath, body);
    await floorLoad.OpenLoopAsync(options.Rate, 3);
    floor = await floorLoad.OpenLoopAsync(options.Rate, options.Seconds, trace: "floor-open-loop");
}
Console.Error.WriteLine($"HTTP closed loop: {options.Clients} clients for {options.ClosedSeconds} s…");
var closed = await load.ClosedLoopAsync(options.Clients, options.ClosedSeconds);
var trafficAfterClosed = await SettledTrafficAsync(http);

var report = Report.Markdown(options, manifest, inProcess, onnxInProcess, warm, open, floor, hostGc, trafficAfterOpen, closed, trafficAfterClosed);
Console.WriteLine(report);
return 0;

// A client as a load balancer keeps one: at most `connections` keep-alive connections, opened during the warm-up.
static HttpClient Client(Uri address, int connections) => new(new SocketsHttpHandler
{
    MaxConnectionsPerServer = connections,
    PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
    UseCookies = false,
    UseProxy = false,
})
{ BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };

// The host's garbage collections so far, from its health endpoint.
static async Task<GcActivity> HostRuntimeAsync(HttpClient http)
{
    var process = (await http.GetFromJsonAsync<JsonElement>("/api/health")).GetProperty("process");
    return new GcActivity(process.GetProperty("gen0Collections").GetInt32(), process.GetProperty("gen1Collections").GetInt32(),
        process.GetProperty("gen2Collections").GetInt32(), TimeSpan.FromMilliseconds(process.GetProperty("gcPausedMilliseconds").GetDouble()),
        process.GetProperty("allocatedBytes").GetInt64());
}

// The traffic log's counters once it has flushed what it holds (or after 10 s).
static async Task<JsonElement> SettledTrafficAsync(HttpClient http)
{
    var started = Stopwatch.GetTimestamp();
    while (true)
    {
        var traffic = (await http.GetFromJsonAsync<JsonElement>("/api/health")).GetProperty("traffic");
        if (traffic.GetProperty("pending").GetInt64() == 0 || Stopwatch.GetElapsedTime(started) > TimeSpan.FromSeconds(10))
        {
            return traffic.Clone();
        }
        await Task.Delay(200);
    }
}

internal sealed record BenchOptions(int Seconds, int Rate, int ClosedSeconds, int Clients, int Blocks, int PerBlock, int Rows, int Connections, int WarmupSeconds)
{
    public static BenchOptions? Parse(string[] args)
    {
        var values = new Dictionary<string, int>
        {
            ["seconds"] = 10, ["rate"] = 1000, ["closed-seconds"] = 5, ["clients"] = 16, ["blocks"] = 40, ["per-block"] = 1000, ["rows"] = 400, ["connections"] = 32, ["warmup-seconds"] = 40,
        };
        for (var i = 0; i < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || !values.ContainsKey(args[i][2..]) || i + 1 >= args.Length
                || !int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out var value) || value <= 0)
            {
                return null;
            }
            values[args[i][2..]] = value;
        }
        return new BenchOptions(values["seconds"], values["rate"], values["closed-seconds"], values["clients"], values["blocks"],
            values["per-block"], values["rows"], values["connections"], values["warmup-seconds"]);
    }

    public string CommandLine => $"--seconds {Seconds} --rate {Rate} --closed-seconds {ClosedSeconds} --clients {Clients} --blocks {Blocks} --per-block {PerBlock} --rows {Rows} --connections {Connections} --warmup-seconds {WarmupSeconds}";
}

/// <summary>A folder deleted when disposed (Azurite deletes only the temporary folders it makes itself).</summary>
internal sealed class RemovedAtEnd(string? folder) : IDisposable
{
    public void Dispose()
    {
        if (folder is not null && Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
