using Microsoft.ML;
using ModelOps.Core.Data;

namespace ModelOps.Core.Training;

/// <summary>Fits one configuration on a table: the feature pipeline for the schema, then the trainer.</summary>
internal static class ModelTrainer
{
    /// <exception cref="TrainingProblemException">The trainer is unknown or the data lacks a column.</exception>
    /// <exception cref="ArgumentException">A hyperparameter is unknown or out of what the trainer accepts.</exception>
    public static TrainedModel Fit(Table table, TrainingProblem problem, TrialParameters parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(parameters);
        cancellationToken.ThrowIfCancellationRequested();
        if (table.RowCount == 0)
        {
            throw new TrainingProblemException("There are no rows to train on.");
        }

        var ml = ModelContext.Create();
        var trainer = TrainerCatalog.Get(parameters.Trainer);
        var estimator = FeaturePipeline.Build(ml, table.Schema, problem.Features, trainer.NeedsNormalization)
            .Append(trainer.Create(ml, problem.Task, parameters.Values, weighted: problem.Weight is not null));
        var transformer = estimator.Fit(TableDataView.Labelled(table, problem));
        cancellationToken.ThrowIfCancellationRequested();
        return new TrainedModel(ml, transformer, problem, problem.FeatureSchema(table.Schema), trainer.Name);
    }
}
