using ModelOps.Core.Storage;

namespace ModelOps.Core.Monitoring;

/// <summary>How the monitor starts a retrain: the host's singleton start of the retrain guard (one per model at a time).</summary>
public interface IRetrainStarter
{
    /// <summary>The new training run's id, or null when a retrain of the model is already running.</summary>
    Task<string?> StartRetrainAsync(ModelName model, string trigger, CancellationToken cancellationToken);

    Task<bool> IsRetrainRunningAsync(ModelName model, CancellationToken cancellationToken);
}
