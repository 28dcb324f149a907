using ModelOps.Core.Serving.Traffic;

namespace ModelOps.Local.Monitoring;

/// <summary>Runs the traffic log with the host: started with it, flushed to the last record when it stops.</summary>
internal sealed class TrafficLogService(TrafficLog log) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => log.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => log.StopAsync(cancellationToken);
}
