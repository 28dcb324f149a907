using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ModelOps.Serving.Bench;

/// <summary>
/// <c>modelops serve</c> in its own process, as a deployed host runs: the load generator's threads and garbage
/// collections then do not share the server's, and what is measured is the server as its clients see it.
/// </summary>
internal sealed class HostProcess : IAsyncDisposable
{
    private readonly Process _process;

    private HostProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public static async Task<HostProcess> StartAsync(string storage, IEnumerable<string> extraArgs)
    {
        var port = FreePort();
        var info = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "modelops"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var arg in (string[])["serve", "--urls", $"http://127.0.0.1:{port}", "--AzureWebJobsStorage", storage,
            "--Logging:LogLevel:Default", "Warning", .. extraArgs])
        {
            info.ArgumentList.Add(arg);
        }
        var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start modelops serve.");
        var log = Path.Combine(Path.GetTempPath(), "servebench-host.log");
        _ = PumpAsync(process.StandardOutput, log);
        _ = PumpAsync(process.StandardError, log);
        var host = new HostProcess(process, new Uri($"http://127.0.0.1:{port}"));
        using var http = new HttpClient { BaseAddress = host.BaseAddress };
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"modelops serve exited with {process.ExitCode}; see {log}.");
            }
            try
            {
                if ((await http.GetAsync("/api/health")).IsSuccessStatusCode)
                {
                    return host;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            if (Stopwatch.GetElapsedTime(started) > TimeSpan.FromSeconds(60))
            {
                await host.DisposeAsync();
                throw new TimeoutException($"modelops serve did not become healthy in 60 s; see {log}.");
            }
            await Task.Delay(100);
        }
    }

    /// <summary>Stops the host gracefully (SIGTERM: the traffic log flushes), killing it if it takes over 15 s.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            using (var term = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await term.WaitForExitAsync();
            }
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        _process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task PumpAsync(StreamReader reader, string path)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            await File.AppendAllTextAsync(path, line + Environment.NewLine);
        }
    }
}
