using System.Text.RegularExpressions;

namespace ModelOps.Core.Serving.Traffic;

/// <summary>Settings of the traffic log (section <c>ModelOps:Traffic</c>); <see cref="Validate"/> lists every problem at once.</summary>
public sealed partial record TrafficLogOptions
{
    /// <summary>The host's name in blob names (<c>{host}-{n}.jsonl</c>): 1 to 63 lowercase letters, digits and '-'. Default: the machine name, made so.</summary>
    public string Host { get; init; } = HostSegment(Environment.MachineName);

    /// <summary>Records buffered in memory before writes drop or wait. Default 10,000.</summary>
    public int Capacity { get; init; } = 10_000;

    /// <summary>What a write does when the buffer is full. Default <see cref="TrafficFullMode.DropNewest"/>: predict never waits on storage.</summary>
    public TrafficFullMode FullMode { get; init; } = TrafficFullMode.DropNewest;

    /// <summary>Longest a <see cref="TrafficFullMode.Wait"/> write waits for room before it drops the record. Default 1 s.</summary>
    public TimeSpan WaitTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest a record waits in memory before it is appended. Default 1 s.</summary>
    public TimeSpan FlushInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Records taken per flush; a flush starts as soon as this many are buffered. Default 2,000.</summary>
    public int MaxBatch { get; init; } = 2_000;

    /// <summary>Largest serialised record (one JSON line); larger ones are rejected and counted. Default 64 KiB.</summary>
    public int MaxRecordBytes { get; init; } = 64 * 1024;

    /// <summary>Largest append block. Default 4 MiB, the append block limit of older service versions and of Azurite.</summary>
    public int MaxBlockBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>A blob rolls to the next <c>n</c> before it would pass this size. Default 64 MiB.</summary>
    public long MaxBlobBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>A blob rolls to the next <c>n</c> at this many blocks; the service allows 50,000. Default 49,000.</summary>
    public int MaxBlobBlocks { get; init; } = 49_000;

    /// <summary>First pause after a failed append; doubled per failure up to <see cref="MaxRetryDelay"/>. Default 200 ms.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Longest pause between append retries. Default 10 s.</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long <c>DisposeAsync</c> lets the final flush take before it drops what is left (counted). Default 30 s.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Every problem with these options, empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Host is null || !HostPattern().IsMatch(Host))
        {
            errors.Add($"Host '{Host}' must be 1 to 63 lowercase letters, digits and '-', starting with a letter or digit.");
        }
        Positive(Capacity, nameof(Capacity), errors);
        Positive(MaxBatch, nameof(MaxBatch), errors);
        Positive(MaxRecordBytes, nameof(MaxRecordBytes), errors);
        Positive(MaxBlobBlocks, nameof(MaxBlobBlocks), errors);
        if (MaxBlockBytes < MaxRecordBytes + 1)
        {
            errors.Add($"{nameof(MaxBlockBytes)} ({MaxBlockBytes}) must hold at least one record of {nameof(MaxRecordBytes)} ({MaxRecordBytes}) and its newline.");
        }
        if (MaxBlobBytes < MaxBlockBytes)
        {
            errors.Add($"{nameof(MaxBlobBytes)} ({MaxBlobBytes}) must be at least {nameof(MaxBlockBytes)} ({MaxBlockBytes}).");
        }
        foreach (var (value, name) in new[]
        {
            (WaitTimeout, nameof(WaitTimeout)), (FlushInterval, nameof(FlushInterval)), (RetryDelay, nameof(RetryDelay)),
            (MaxRetryDelay, nameof(MaxRetryDelay)), (ShutdownTimeout, nameof(ShutdownTimeout)),
        })
        {
            if (value <= TimeSpan.Zero)
            {
                errors.Add($"{name} must be positive, not {value}.");
            }
        }
        return errors;
    }

    /// <summary>Throws one <see cref="ArgumentException"/> naming every problem.</summary>
    public TrafficLogOptions EnsureValid()
    {
        var errors = Validate();
        return errors.Count == 0 ? this : throw new ArgumentException("Traffic log options are invalid: " + string.Join(" ", errors));
    }

    /// <summary>A usable host segment from any machine name: lowercased, other characters as '-', at most 63 long.</summary>
    public static string HostSegment(string machineName)
    {
        var chars = (machineName ?? string.Empty).ToLowerInvariant()
            .Select(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' ? c : '-').ToArray();
        var segment = new string(chars).Trim('-');
        segment = segment.Length > 63 ? segment[..63].TrimEnd('-') : segment;
        return segment.Length == 0 ? "host" : segment;
    }

    private static void Positive(long value, string name, List<string> errors)
    {
        if (value <= 0)
        {
            errors.Add($"{name} must be positive, not {value}.");
        }
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,62}$")]
    private static partial Regex HostPattern();
}
