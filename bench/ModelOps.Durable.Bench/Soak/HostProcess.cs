using System.Diagnostics;

namespace ModelOps.Durable.Bench.Soak;

/// <summary>One soak-host child: this same program in <c>soak-host</c> mode, its output appended to a log file.</summary>
internal sealed class HostProcess : IDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;

    private HostProcess(Process process, StreamWriter log)
    {
        _process = process;
        _log = log;
    }

    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    public static HostProcess Start(IReadOnlyList<string> hostArgs, string logPath)
    {
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("Cannot tell which executable this is.");
        var info = new ProcessStartInfo(self) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            // Started as `dotnet X.dll`: the child needs the assembly too.
            info.ArgumentList.Add(typeof(HostProcess).Assembly.Location);
        }
        info.ArgumentList.Add("soak-host");
        foreach (var arg in hostArgs)
        {
            info.ArgumentList.Add(arg);
        }
        var log = new StreamWriter(logPath, append: true) { AutoFlush = true };
        var process = Process.Start(info) ?? throw new InvalidOperationException("The soak host did not start.");
        var host = new HostProcess(process, log);
        process.OutputDataReceived += (_, e) => host.Write(e.Data);
        process.ErrorDataReceived += (_, e) => host.Write(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return host;
    }

    /// <summary>True if the host exited by itself within <paramref name="delay"/>.</summary>
    public async Task<bool> ExitedWithinAsync(TimeSpan delay, CancellationToken ct)
    {
        try
        {
            await _process.WaitForExitAsync(ct).WaitAsync(delay, ct);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>SIGKILL (what Process.Kill sends on Unix): no finally blocks, no flush, no graceful stop.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: false);
        }
        await _process.WaitForExitAsync();
    }

    public void Dispose()
    {
        _process.Dispose();
        lock (_log)
        {
            _log.Dispose();
        }
    }

    private void Write(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_log)
        {
            if (_log.BaseStream.CanWrite)
            {
                _log.WriteLine(line);
            }
        }
    }
}
