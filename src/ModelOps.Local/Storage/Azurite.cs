using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ModelOps.Local.Storage;

/// <summary>
/// A running Azurite (the Azure Storage emulator) on free loopback ports, stopped with its owner. It can be stopped and
/// started again on the same ports and data folder, as an outage of the storage service would look to its clients.
/// </summary>
public sealed class Azurite : IAsyncDisposable
{
    /// <summary>The well-known development key Azurite accepts for every account it is given.</summary>
    public const string DevelopmentKey =
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    public const string DefaultAccount = "devstoreaccount1";

    private readonly string _executable;
    private readonly IReadOnlyList<string> _accounts;
    private readonly bool _temporary;
    private Process? _process;
    private int _disposed;

    private Azurite(string executable, string location, IReadOnlyList<string> accounts, bool temporary)
    {
        _executable = executable;
        Location = location;
        _accounts = accounts;
        _temporary = temporary;
    }

    public int BlobPort { get; private set; }
    public int QueuePort { get; private set; }
    public int TablePort { get; private set; }

    /// <summary>The folder Azurite keeps its data in.</summary>
    public string Location { get; }

    public bool HasExited => _process is not { HasExited: false };

    /// <summary>A connection string for one of the accounts this Azurite serves.</summary>
    public string ConnectionString(string account = DefaultAccount) =>
        $"DefaultEndpointsProtocol=http;AccountName={account};AccountKey={DevelopmentKey};" +
        $"BlobEndpoint=http://127.0.0.1:{BlobPort}/{account};" +
        $"QueueEndpoint=http://127.0.0.1:{QueuePort}/{account};" +
        $"TableEndpoint=http://127.0.0.1:{TablePort}/{account};";

    /// <summary>Starts Azurite from the repository's node_modules and waits until all three services accept connections.</summary>
    /// <param name="location">Data folder; when null, a temporary one that is deleted with this object.</param>
    /// <param name="accounts">Account names to serve (all with <see cref="DevelopmentKey"/>); the default account when empty.</param>
    public static async Task<Azurite> StartAsync(string? location = null, IReadOnlyList<string>? accounts = null,
        CancellationToken cancellationToken = default)
    {
        var executable = FindExecutable()
            ?? throw new InvalidOperationException(
                "Azurite was not found in node_modules/.bin. Run `npm ci` in the repository root (the README's commands do it for you).");
        var temporary = location is null;
        location ??= Path.Combine(Path.GetTempPath(), "modelops-azurite-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(location);
        var azurite = new Azurite(executable, location, accounts is { Count: > 0 } ? accounts : [DefaultAccount], temporary);
        for (var attempt = 1; ; attempt++)
        {
            // Free ports can be taken by someone else before Azurite binds them; new ones are tried then.
            (azurite.BlobPort, azurite.QueuePort, azurite.TablePort) = (FreePort(), FreePort(), FreePort());
            try
            {
                await azurite.LaunchAsync(cancellationToken);
                return azurite;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
                await azurite.KillAsync();
            }
        }
    }

    /// <summary>Stops Azurite with SIGTERM so it saves its data, as a clean shutdown would; its ports go dark.</summary>
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
            await KillAsync();
        }
    }

    /// <summary>Starts a stopped Azurite again on the same ports and data folder.</summary>
    public Task RestartAsync(CancellationToken cancellationToken = default) =>
        HasExited ? LaunchAsync(cancellationToken) : Task.CompletedTask;

    private async Task LaunchAsync(CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(_executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            "--silent", "--skipApiVersionCheck", "--loose", "--disableProductStyleUrl", "--disableTelemetry",
            "--location", Location,
            "--blobHost", "127.0.0.1", "--blobPort", BlobPort.ToString(),
            "--queueHost", "127.0.0.1", "--queuePort", QueuePort.ToString(),
            "--tableHost", "127.0.0.1", "--tablePort", TablePort.ToString(),
        })
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment["AZURITE_ACCOUNTS"] = string.Join(';', _accounts.Select(a => $"{a}:{DevelopmentKey}"));

        _process?.Dispose();
        var process = _process = Process.Start(info) ?? throw new InvalidOperationException("Azurite did not start.");
        var stderr = new System.Text.StringBuilder();
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data); };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();

        var deadline = Stopwatch.StartNew();
        while (!(await AcceptsAsync(BlobPort) && await AcceptsAsync(QueuePort) && await AcceptsAsync(TablePort)))
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(30) || process.HasExited)
            {
                throw new InvalidOperationException($"Azurite did not start listening: {stderr}");
            }
            await Task.Delay(50, cancellationToken);
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

    /// <summary>Finds node_modules/.bin/azurite above the working directory or the application's folder.</summary>
    public static string? FindExecutable()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "node_modules", ".bin", "azurite");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }
        return null;
    }

    private async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        await KillAsync();
        _process?.Dispose();
        if (_temporary)
        {
            try
            {
                Directory.Delete(Location, recursive: true);
            }
            catch (IOException)
            {
                // A temporary folder: leaving it behind is harmless.
            }
        }
    }
}
