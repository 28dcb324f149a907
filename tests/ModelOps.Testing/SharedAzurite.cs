using ModelOps.Local.Storage;

namespace ModelOps.Testing;

/// <summary>
/// One Azurite per test process, started on first use and killed when the process exits.
/// Each test takes a storage account of its own, so tests share the emulator but never each other's data.
/// </summary>
public static class SharedAzurite
{
    private const int AccountPool = 96;
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static Azurite? _azurite;
    private static int _nextAccount = -1;

    /// <summary>A connection string for a storage account no other test in this process uses.</summary>
    public static async Task<string> NewAccountAsync()
    {
        var azurite = await StartedAsync();
        var n = Interlocked.Increment(ref _nextAccount);
        if (n >= AccountPool)
        {
            throw new InvalidOperationException($"More than {AccountPool} tests asked for a storage account; raise {nameof(AccountPool)}.");
        }
        return azurite.ConnectionString(AccountName(n));
    }

    /// <summary>The running emulator, e.g. to stop and start it in a failure test.</summary>
    public static async Task<Azurite> StartedAsync()
    {
        if (_azurite is { } running)
        {
            return running;
        }
        await Gate.WaitAsync();
        try
        {
            if (_azurite is null)
            {
                var accounts = Enumerable.Range(0, AccountPool).Select(AccountName).ToArray();
                _azurite = await Azurite.StartAsync(accounts: accounts);
                var started = _azurite;
                AppDomain.CurrentDomain.ProcessExit += (_, _) => started.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
            return _azurite;
        }
        finally
        {
            Gate.Release();
        }
    }

    private static string AccountName(int n) => $"test{n:D3}";
}
