using ModelOps.Core.Training;

namespace ModelOps.Core.Pipelines.Activities;

/// <summary>Step 3a: the search strategy proposes the trials to run (an activity, so orchestrations stay deterministic).</summary>
public sealed class ProposeTrialsActivity : IActivity<ProposeTrialsRequest, IReadOnlyList<TrialParameters>>
{
    public static string Name => "ProposeTrials";

    public Task<IReadOnlyList<TrialParameters>> RunAsync(ProposeTrialsRequest input, CancellationToken cancellationToken)
    {
        var space = TrainerCatalog.Space(input.Search.Trainers.Count == 0 ? null : input.Search.Trainers);
        var strategy = SearchStrategies.Create(input.Search.Strategy);
        return Task.FromResult(strategy.Propose(space, input.Search.Trials, input.Seed, []));
    }
}
