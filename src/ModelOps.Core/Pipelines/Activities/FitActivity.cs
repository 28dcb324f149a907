using ModelOps.Core.Training;

namespace ModelOps.Core.Pipelines.Activities;

/// <summary>Step 3c: refits the best configuration on every training row and saves the candidate model.</summary>
public sealed class FitActivity(RunStore runs) : IActivity<FitRequest, FitResult>
{
    public static string Name => "Fit";

    public async Task<FitResult> RunAsync(FitRequest input, CancellationToken cancellationToken)
    {
        var data = input.Data;
        var (table, problem) = await TrainingRows.ReadAsync(runs, data, cancellationToken);
        var model = ModelTrainer.Fit(table, problem, input.Parameters, cancellationToken);
        using var buffer = new MemoryStream();
        model.Save(buffer);
        var path = await runs.WriteAsync(data.RunId, "model/model.zip", buffer, cancellationToken);
        return new FitResult(path, buffer.Length);
    }
}
