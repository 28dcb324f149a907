using System.ComponentModel.DataAnnotations;

namespace ModelOps.Local.Hosting;

/// <summary>Settings of the local host, bound from the <c>ModelOps</c> configuration section.</summary>
public sealed class ModelOpsOptions
{
    public const string Section = "ModelOps";

    /// <summary>Required on every route but health when set; with none, the host listens on loopback only.</summary>
    public string? ApiKey { get; set; }

    /// <summary>How often the dataset watcher lists the drop zone.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "01:00:00")]
    public TimeSpan DatasetPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Largest predict request body, in bytes.</summary>
    [Range(1024, 256 * 1024 * 1024)]
    public long MaxRequestBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Most rows in one predict request.</summary>
    [Range(1, 1_000_000)]
    public int MaxPredictRows { get; set; } = 10_000;

    /// <summary>How long a resolved production alias is trusted before it is read again.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan AliasRefreshInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// When set, every activity execution is appended to this local file as one line; used to prove that a
    /// restarted host does not run finished work again.
    /// </summary>
    public string? ActivityJournalPath { get; set; }

    /// <summary>
    /// Most memory the monitor's kept traffic windows (<c>monitor.keepWindow</c>) take in all, estimated from their rows and
    /// features; past it the windows read longest ago are let go (their next tick reads the whole window). 0 keeps none.
    /// </summary>
    [Range(typeof(long), "0", "1099511627776")]
    public long KeptWindowBytes { get; set; } = 1L << 30;

    /// <summary>Most activities running at once on this host.</summary>
    [Range(1, 1024)]
    public int MaxConcurrentActivities { get; set; } = Math.Max(2, Environment.ProcessorCount);
}
