using ModelOps.Core.Training;

namespace ModelOps.Core.Pipelines.Activities;

/// <summary>Step 3b: one trial, scored by k-fold cross-validation on the training rows. A failed trial is a result, not an error.</summary>
public sealed class RunTrialActivity(RunStore runs, TimeProvider time) : IActivity<TrialRequest, TrialResult>
{
    public static string Name => "RunTrial";

    public async Task<TrialResult> RunAsync(TrialRequest input, CancellationToken cancellationToken)
    {
        var data = input.Data;
        var (table, problem) = await TrainingRows.ReadAsync(runs, data, cancellationToken);
        var result = new TrialRunner(time).Run(table, problem, input.Trial, input.Parameters, input.Folds, input.Seed, cancellationToken);
        await runs.WriteJsonAsync(data.RunId, $"trials/{input.Trial:D3}.json", result, cancellationToken);
        return result;
    }
}
