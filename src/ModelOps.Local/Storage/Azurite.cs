using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ModelOps.Local.Storage;

/// <summary>A running Azurite (the Azure Storage emulator) on free loopback ports, stopped with its owner.</summary>
public sealed class Azurite : IAsyncDisposable
{
    /// <summary>The well-known development key Azurite accepts for every account it is given.</summary>
    public const string DevelopmentKey =
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    public const string DefaultAccount = "devstoreaccount1";

    private readonly Process _process;
    private int _disposed;

    private Azurite(Process process, int blobPort, int queuePort, int tablePort, string location)
    {
        _process = process;
        BlobPort = blobPort;
        QueuePort = queuePort;
        TablePort = tablePort;
        Location = location;
    }

    public int BlobPort { get; }
    public int QueuePort { get; }
    public int TablePort { get; }

    /// <summary>The folder Azurite keeps its data in.</summary>
    public string Location { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>A connection string for one of the accounts this Azurite serves.</summary>
    public string ConnectionString(string account = DefaultAccount) =>
        $"DefaultEndpointsProtocol=http;AccountName={account};AccountKey={DevelopmentKey};" +
        $"BlobEndpoint=http://127.0.0.1:{BlobPort}/{account};" +
        $"QueueEndpoint=http://127.0.0.1:{QueuePort}/{account};" +
        $"TableEndpoint=http://127.0.0.1:{TablePort}/{account};";

    /// <summary>Starts Azurite from the repository's node_modules and waits until all three services accept connections.</summary>
    /// <param name="location">Data folder; a new temporary one when null.</param>
    /// <param name="accounts">Account names to serve (all with <see cref="DevelopmentKey"/>); the default account when empty.</param>
    public static async Task<Azurite> StartAsync(string? location = null, IReadOnlyList<string>? accounts = null,
        CancellationToken cancellationToken = default)
    {
        var executable = FindExecutable()
            ?? throw new InvalidOperationException(
                "Azurite was not found in node_modules/.bin. Run `npm ci` in the repository root (the README's commands do it for you).");
        location ??= Path.Combine(Path.GetTempPath(), "modelops-azurite-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(location);

        for (var attempt = 1; ; attempt++)
        {
            int blob = FreePort(), queue = FreePort(), table = FreePort();
            var info = new ProcessStartInfo(executable)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var arg in new[]
            {
                "--silent", "--skipApiVersionCheck", "--loose", "--disableProductStyleUrl",
                "--location", location,
                "--blobHost", "127.0.0.1", "--blobPort", blob.ToString(),
                "--queueHost", "127.0.0.1", "--queuePort", queue.ToString(),
                "--tableHost", "127.0.0.1", "--tablePort", table.ToString(),
            })
            {
                info.ArgumentList.Add(arg);
            }
            var names = accounts is { Count: > 0 } ? accounts : [DefaultAccount];
            info.Environment["AZURITE_ACCOUNTS"] = string.Join(';', names.Select(a => $"{a}:{DevelopmentKey}"));

            var process = Process.Start(info) ?? throw new InvalidOperationException("Azurite did not start.");
            var stderr = new System.Text.StringBuilder();
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data); };
            process.OutputDataReceived += (_, _) => { };
            process.BeginErrorReadLine();
            process.BeginOutputReadLine();
            var azurite = new Azurite(process, blob, queue, table, location);
            if (await azurite.WaitUntilListeningAsync(TimeSpan.FromSeconds(30), cancellationToken))
            {
                return azurite;
            }
            await azurite.DisposeAsync();
            if (attempt == 3)
            {
                throw new InvalidOperationException($"Azurite did not start listening: {stderr}");
            }
        }
    }

    private async Task<bool> WaitUntilListeningAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout && !_process.HasExited)
        {
            if (await AcceptsAsync(BlobPort) && await AcceptsAsync(QueuePort) && await AcceptsAsync(TablePort))
            {
                return true;
            }
            await Task.Delay(50, cancellationToken);
        }
        return false;
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

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
