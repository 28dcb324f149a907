using ModelOps.Core.Registry;

namespace ModelOps.Core.Pipelines.Activities;

/// <summary>
/// Step 7: moves <c>production</c> to the new version, only if production is still the champion the candidate was
/// compared with (ETag condition). Idempotent: a retry after success finds the alias already moved.
/// </summary>
public sealed class DeployActivity(ModelRegistry registry) : IActivity<DeployRequest, DeployResult>
{
    public static string Name => "Deploy";

    public async Task<DeployResult> RunAsync(DeployRequest input, CancellationToken cancellationToken)
    {
        var current = await registry.GetAliasAsync(input.Model, ModelRegistry.Production, cancellationToken);
        if (current?.Version == input.Version)
        {
            return new DeployResult(input.Version, null);
        }
        try
        {
            await registry.SetAliasAsync(input.Model, ModelRegistry.Production, input.Version, input.ExpectedProductionETag,
                $"deployed by run {input.RunId}", cancellationToken);
        }
        catch (AliasConflictException e)
        {
            throw new PipelineFailedException(
                $"{e.Message} Version {input.Version} was compared with a production model that is no longer in production; retrain to compare it with the new one.");
        }
        return new DeployResult(input.Version, current?.Version);
    }
}
