using System.Net.Http.Json;
using System.Text.Json;
using Azure.Storage.Blobs;
using ModelOps.Core.Storage;
using ModelOps.Local.Hosting;
using ModelOps.Testing;

namespace ModelOps.Local.Tests;

/// <summary>A real local host on loopback over an isolated Azurite account, and the calls tests make to it.</summary>
internal sealed class RunningHost : IAsyncDisposable
{
    private readonly LocalHost _host;

    private RunningHost(LocalHost host, string storage)
    {
        _host = host;
        Storage = storage;
        Http = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
        Blobs = new BlobServiceClient(storage);
    }

    public string Storage { get; }

    public HttpClient Http { get; }

    public BlobServiceClient Blobs { get; }

    public IServiceProvider Services => _host.Services;

    /// <summary>Starts a host on a fresh storage account, or on <paramref name="storage"/> to restart over the same data.</summary>
    public static Task<RunningHost> StartAsync(string? storage = null, params string[] args) => StartAsync(storage, null, args);

    /// <summary>Starts a host whose services the caller may adjust (a virtual clock, for one).</summary>
    public static async Task<RunningHost> StartAsync(string? storage, Action<WebApplicationBuilder>? configure, params string[] args)
    {
        storage ??= await SharedAzurite.NewAccountAsync();
        string[] all =
        [
            "--urls", "http://127.0.0.1:0",
            "--AzureWebJobsStorage", storage,
            "--ModelOps:DatasetPollInterval", "00:00:00.100",
            "--ModelOps:AliasRefreshInterval", "00:00:00",
            "--Logging:LogLevel:Default", "Warning",
            .. args,
        ];
        return new RunningHost(await LocalHost.StartAsync(all, configure), storage);
    }

    public async Task DropAsync(string blobName, string content) =>
        await Blobs.GetBlobContainerClient(StorageLayout.Datasets).GetBlobClient(blobName)
            .UploadAsync(BinaryData.FromString(content), overwrite: true);

    public async Task DropAsync(string blobName, byte[] content) =>
        await Blobs.GetBlobContainerClient(StorageLayout.Datasets).GetBlobClient(blobName)
            .UploadAsync(BinaryData.FromBytes(content), overwrite: true);

    /// <summary>The model's runs, newest first, as the API lists them.</summary>
    public async Task<JsonElement[]> RunsAsync(string model) =>
        (await Http.GetFromJsonAsync<JsonElement>($"/api/runs?model={model}")).EnumerateArray().ToArray();

    /// <summary>Waits until the model has <paramref name="count"/> runs and the newest is finished; returns it.</summary>
    public async Task<JsonElement> WaitForRunAsync(string model, int count = 1, TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(120));
        while (true)
        {
            var runs = await RunsAsync(model);
            if (runs.Length >= count && IsFinished(runs[0]))
            {
                return runs[0];
            }
            await Task.Delay(100, cancel.Token);
        }
    }

    /// <summary>Waits until a run's status satisfies a condition.</summary>
    public async Task<JsonElement> WaitForRunAsync(string runId, Func<JsonElement, bool> until, TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(120));
        while (true)
        {
            var response = await Http.GetAsync($"/api/runs/{runId}", cancel.Token);
            if (response.IsSuccessStatusCode)
            {
                var run = await response.Content.ReadFromJsonAsync<JsonElement>(cancel.Token);
                if (until(run))
                {
                    return run;
                }
            }
            await Task.Delay(100, cancel.Token);
        }
    }

    public static bool IsFinished(JsonElement run) =>
        run.GetProperty("runtimeStatus").GetString() is "Completed" or "Failed" or "Terminated";

    public async Task<(HttpResponseMessage Response, JsonElement Body)> PostJsonAsync(string path, string json)
    {
        var response = await Http.PostAsync(path, new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        return (response, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _host.DisposeAsync();
    }
}
