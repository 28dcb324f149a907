namespace ModelOps.Core.Pipelines;

/// <summary>
/// One unit of pipeline work, run by the durable engine (locally) or an activity function (in Azure).
/// Inputs and outputs are small JSON records; large data moves through blobs, by path.
/// </summary>
public interface IActivity<TInput, TOutput>
{
    static abstract string Name { get; }

    Task<TOutput> RunAsync(TInput input, CancellationToken cancellationToken);
}
