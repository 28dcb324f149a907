using Microsoft.Extensions.Options;
using ModelOps.Local.Hosting;

namespace ModelOps.Local.Engine;

/// <summary>
/// An optional local file with one line per activity start and completion ("instance activity taskId phase").
/// It makes re-execution after a crash countable from outside the process.
/// </summary>
internal sealed class ActivityJournal(IOptions<ModelOpsOptions> options)
{
    private readonly string? _path = options.Value.ActivityJournalPath;
    private readonly Lock _gate = new();

    public bool Enabled => _path is not null;

    public void Record(string instanceId, string activity, int taskId, string phase)
    {
        if (_path is null)
        {
            return;
        }
        lock (_gate)
        {
            File.AppendAllText(_path, $"{instanceId} {activity} {taskId} {phase}{Environment.NewLine}");
        }
    }
}
