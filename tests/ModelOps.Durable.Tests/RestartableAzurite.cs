using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ModelOps.Local.Storage;

namespace ModelOps.Durable.Tests;

/// <summary>
/// An Azurite of a test's own on a fixed data folder and fixed ports, so it can be stopped (an outage) and started again with the
/// same data at the same address. <see cref="Azurite"/> picks new ports on every start, hence this small launcher.
/// </summary>
internal sealed class RestartableAzurite : IAsyncDisposable
{
    private readonly int _blob = FreePort(), _queue = FreePort(), _table = FreePort();
    private readonly string _location = Path.Combine(Path.GetTempPath(), "modelops-azurite-restart-" + Guid.NewGuid().ToString("N")[..8]);
    private Process? _process;

    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={Azurite.DefaultAccount};AccountKey={Azurite.DevelopmentKey};" +
        $"BlobEndpoint=http://127.0.0.1:{_blob}/{Azurite.DefaultAccount};" +
        $"QueueEndpoint=http://127.0.0.1:{_queue}/{Azurite.DefaultAccount};" +
        $"TableEndpoint=http://127.0.0.1:{_table}/{Azurite.DefaultAccount};";

    public static async Task<RestartableAzurite> StartAsync()
    {
        var azurite = new RestartableAzurite();
        await azurite.StartAgainAsync();
        return azurite;
    }

    public async Task StartAgainAsync()
    {
        var executable = Azurite.FindExecutable() ?? throw new InvalidOperationException("Azurite not found: run `npm ci` in the repository root.");
        Directory.CreateDirectory(_location);
        var info = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[]
        {
            "--silent", "--skipApiVersionCheck", "--loose", "--disableProductStyleUrl", "--location", _location,
            "--blobHost", "127.0.0.1", "--blobPort", _blob.ToString(),
            "--queueHost", "127.0.0.1", "--queuePort", _queue.ToString(),
            "--tableHost", "127.0.0.1", "--tablePort", _table.ToString(),
        })
        {
            info.ArgumentList.Add(arg);
        }
        _process = Process.Start(info) ?? throw new InvalidOperationException("Azurite did not start.");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = Stopwatch.StartNew();
        while (!(await AcceptsAsync(_blob) && await AcceptsAsync(_table)))
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(30) || _process.HasExited)
            {
                throw new InvalidOperationException("Azurite did not start listening (ports still held?).");
            }
            await Task.Delay(50);
        }
    }

    /// <summary>Stops Azurite with SIGTERM, so it saves its data folder as a clean shutdown would; the ports go dark.</summary>
    public async Task StopAsync()
    {
        if (_process is not { HasExited: false } process)
        {
            return;
        }
        using (var term = Process.Start("kill", ["-TERM", process.Id.ToString()]))
        {
            await term.WaitForExitAsync();
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        _process?.Dispose();
        try
        {
            Directory.Delete(_location, recursive: true);
        }
        catch (IOException)
        {
            // a temp folder; best effort
        }
    }

    private static async Task<bool> AcceptsAsync(int port)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
