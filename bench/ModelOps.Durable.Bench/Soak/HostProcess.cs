using System.Diagnostics;

namespace ModelOps.Durable.Bench.Soak;

/// <summary>One soak-host child: this same program in <c>soak-host</c> mode, its output appended to a log file.</summary>
internal sealed class HostProcess : IDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly TaskCompletionSource _up = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private HostProcess(Process process, StreamWriter log)
    {
        _process = process;
        _log = log;
    }

    /// <summary>The line a host prints first thing in Main: the runtime has started, the engine has not.</summary>
    public const string UpLine = "soak-host up";

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

    /// <summary>
    /// Waits until the host's runtime is up (or it exited, or <paramref name="timeout"/> passed). Kill delays count from here,
    /// so they land in engine start-up, recovery and work rather than in .NET's own start-up, which tests nothing.
    /// </summary>
    public async Task WaitUntilUpAsync(TimeSpan timeout, CancellationToken ct)
    {
        try
        {
            await Task.WhenAny(_up.Task, _process.WaitForExitAsync(ct)).WaitAsync(timeout, ct);
        }
        catch (TimeoutException)
        {
            // Kill it anyway; the delay then counts from here.
        }
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
        if (line == UpLine)
        {
            _up.TrySetResult();
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
