using System.Collections.Concurrent;
using Cronos;
using ModelOps.Core.Monitoring;
using ModelOps.Core.Pipelines;
using ModelOps.Core.Registry;
using ModelOps.Core.Storage;

namespace ModelOps.Local.Monitoring;

/// <summary>
/// The local stand-in for the monitor's timer trigger: ticks every model in production on its own cron schedule
/// (<c>monitor.schedule</c> in its config). A tick that fails is logged and tried at the next occurrence.
/// </summary>
internal sealed partial class MonitorTimer(
    ModelRegistry registry, DatasetCatalog datasets, ModelMonitor monitor, TimeProvider time, ILogger<MonitorTimer> logger) : BackgroundService
{
    /// <summary>How often the models in production and their schedules are read again; ticks are checked every second.</summary>
    private static readonly TimeSpan ScheduleRefresh = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<string, DateTimeOffset> _lastTick = new();
    private IReadOnlyList<(ModelName Model, CronExpression Schedule)> _schedules = [];
    private DateTimeOffset _schedulesReadAt = DateTimeOffset.MinValue;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = time.GetUtcNow();
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await TickDueAsync(started, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogTickFailed(e);
            }
        }
    }

    private async Task TickDueAsync(DateTimeOffset started, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (now - _schedulesReadAt >= ScheduleRefresh)
        {
            _schedules = await ReadSchedulesAsync(cancellationToken);
            _schedulesReadAt = now;
        }
        foreach (var (model, schedule) in _schedules)
        {
            var last = _lastTick.GetValueOrDefault(model, started);
            if (schedule.GetNextOccurrence(last, TimeZoneInfo.Utc) is { } due && due <= now)
            {
                _lastTick[model] = now;
                if (await monitor.TickAsync(model, cancellationToken) is { } report)
                {
                    LogTicked(model, report.Rows, report.Decision.Action, report.Decision.Reason);
                }
            }
        }
    }

    private async Task<IReadOnlyList<(ModelName, CronExpression)>> ReadSchedulesAsync(CancellationToken cancellationToken)
    {
        var schedules = new List<(ModelName, CronExpression)>();
        foreach (var model in await registry.ListModelsAsync(cancellationToken))
        {
            try
            {
                var config = await datasets.ReadConfigAsync(model, cancellationToken);
                schedules.Add((model, CronExpression.Parse(config.Monitor.Schedule, CronFormat.IncludeSeconds)));
            }
            catch (InvalidModelConfigException e)
            {
                // One model's broken config must not stop the others being watched.
                LogConfigInvalid(model, e.Message);
            }
        }
        return schedules;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Monitor tick of {Model}: {Rows} rows, {Action}: {Reason}")]
    private partial void LogTicked(string model, int rows, string action, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Model {Model} is not monitored until its config is fixed: {Reason}")]
    private partial void LogConfigInvalid(string model, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A monitor tick failed; the next occurrence tries again")]
    private partial void LogTickFailed(Exception exception);
}
