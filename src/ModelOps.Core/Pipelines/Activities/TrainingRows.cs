using ModelOps.Core.Data;
using ModelOps.Core.Training;

namespace ModelOps.Core.Pipelines.Activities;

/// <summary>
/// The training rows as the trial and fit steps learn from them: when feedback rows are weighted, with their weights as
/// an extra column and the problem pointing at it. Evaluation, registration and serving read the rows without it.
/// </summary>
internal static class TrainingRows
{
    public static async Task<(Table Table, TrainingProblem Problem)> ReadAsync(RunStore runs, TrainingData data, CancellationToken cancellationToken)
    {
        var schema = await runs.ReadJsonAsync<TableSchema>(data.SchemaPath, cancellationToken);
        var table = await runs.ReadRowsAsync(data.Rows, SplitSide.Train, schema, data.Feedback, cancellationToken);
        return (table, data.Feedback is null ? data.Problem : data.Problem with { Weight = FeedbackWeighting.Column });
    }
}
