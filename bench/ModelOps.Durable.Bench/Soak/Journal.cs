using System.Globalization;
using System.Text;

namespace ModelOps.Durable.Bench.Soak;

/// <summary>One side-effect record: <c>instanceId activity taskId started|completed</c>, at a byte offset of the journal.</summary>
internal sealed record JournalEntry(long Offset, string InstanceId, string Activity, int TaskId, bool Completed)
{
    public (string InstanceId, int TaskId) Key => (InstanceId, TaskId);
}

/// <summary>
/// The soak's record of side effects, written by activities in the host. Each line is flushed to disk before the activity
/// goes on, so a SIGKILL can lose at most the line being written, never one the activity has moved past.
/// </summary>
internal sealed class JournalWriter : IDisposable
{
    private readonly FileStream _file;
    private readonly Lock _gate = new();

    public JournalWriter(string path) =>
        _file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite, bufferSize: 1);

    public void Append(string instanceId, string activity, int taskId, bool completed)
    {
        var line = Encoding.UTF8.GetBytes(
            $"{instanceId} {activity} {taskId.ToString(CultureInfo.InvariantCulture)} {(completed ? "completed" : "started")}\n");
        lock (_gate)
        {
            _file.Write(line);
            _file.Flush(flushToDisk: true);
        }
    }

    public void Dispose() => _file.Dispose();
}

internal static class JournalReader
{
    /// <summary>Every whole line with its offset; a torn last line (killed mid-write) is counted, not parsed.</summary>
    public static (IReadOnlyList<JournalEntry> Entries, int TornLines) Read(string path)
    {
        if (!File.Exists(path))
        {
            return ([], 0);
        }
        var bytes = File.ReadAllBytes(path);
        var entries = new List<JournalEntry>();
        var torn = 0;
        long start = 0;
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] != (byte)'\n')
            {
                continue;
            }
            var parts = Encoding.UTF8.GetString(bytes, (int)start, (int)(i - start)).Split(' ');
            if (parts.Length == 4 && int.TryParse(parts[2], CultureInfo.InvariantCulture, out var taskId) && parts[3] is "started" or "completed")
            {
                entries.Add(new JournalEntry(start, parts[0], parts[1], taskId, parts[3] == "completed"));
            }
            else
            {
                torn++;
            }
            start = i + 1;
        }
        return (entries, torn + (start < bytes.Length ? 1 : 0));
    }
}
