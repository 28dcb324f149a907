using ModelOps.Local.Hosting;

namespace ModelOps.Local.Commands;

/// <summary><c>modelops serve</c>: runs the local host until Ctrl+C or SIGTERM.</summary>
internal static class ServeCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        await using var host = await LocalHost.StartAsync(args);
        Console.WriteLine($"ModelOps is serving {host.BaseAddress} (storage: {(host.OwnsAzurite ? "Azurite started for this host" : "configured account")}). Ctrl+C stops it.");
        await host.WaitForShutdownAsync();
        return 0;
    }
}
