using System.Diagnostics;
using System.Text.RegularExpressions;

namespace ModelOps.Testing;

/// <summary>
/// `modelops serve` as a real child process: a test can SIGKILL it, and a benchmark measures the host as its clients
/// see it, without sharing its threads or garbage collections.
/// </summary>
public sealed partial class HostProcess : IAsyncDisposable
{
    private readonly Process _process;

    private HostProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    /// <param name="settings">Environment variables for the host, e.g. <c>ModelOps__DatasetPollInterval</c>.</param>
    /// <param name="args">More command-line arguments after <c>serve --urls ...</c>, e.g. <c>--ModelOps:Traffic:FlushInterval 00:00:05</c>.</param>
    public static async Task<HostProcess> StartAsync(string storage, IReadOnlyDictionary<string, string> settings, IEnumerable<string>? args = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "modelops.dll"));
        foreach (var arg in (string[])["serve", "--urls", "http://127.0.0.1:0", .. args ?? []])
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment["AzureWebJobsStorage"] = storage;
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (key, value) in settings)
        {
            info.Environment[key] = value;
        }
        var process = Process.Start(info)!;
        var address = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var errors = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null && ServingLine().Match(e.Data) is { Success: true } match)
            {
                address.TrySetResult(new Uri(match.Groups[1].Value));
            }
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (errors) errors.AppendLine(e.Data); };
        process.Exited += (_, _) => address.TrySetException(new InvalidOperationException($"modelops serve exited early: {errors}"));
        process.EnableRaisingEvents = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var started = await address.Task.WaitAsync(TimeSpan.FromSeconds(60));
        return new HostProcess(process, started);
    }

    /// <summary>SIGKILL: no shutdown hooks, no flushing, as a crash would.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            await KillAsync();
        }
        _process.Dispose();
    }

    [GeneratedRegex(@"serving (http://\S+?)/? ")]
    private static partial Regex ServingLine();
}
