using Microsoft.ML;
using ModelOps.Core.Data;

namespace ModelOps.Core.Training;

/// <summary>A fitted ML.NET pipeline (features + trainer) with the problem it solves and the feature schema it reads.</summary>
internal sealed class TrainedModel
{
    public TrainedModel(MLContext ml, ITransformer transformer, TrainingProblem problem, TableSchema featureSchema, string? trainer = null)
    {
        Ml = ml;
        Transformer = transformer;
        Problem = problem;
        FeatureSchema = featureSchema;
        Trainer = trainer;
    }

    public MLContext Ml { get; }

    public ITransformer Transformer { get; }

    public TrainingProblem Problem { get; }

    /// <summary>The feature columns only, in <see cref="TrainingProblem.Features"/> order.</summary>
    public TableSchema FeatureSchema { get; }

    /// <summary>The schema of what scoring supplies: the features only, as ML.NET types.</summary>
    public DataViewSchema InputSchema => TableDataView.Features(Empty(FeatureSchema), Problem.Features).Schema;

    /// <summary>The trainer's catalog name when known (not stored in model.zip).</summary>
    public string? Trainer { get; }

    /// <summary>Adds the prediction columns (Score, and PredictedLabel/Probability for classifiers) to a table's rows.</summary>
    /// <param name="labelled">Include the label column, for evaluation.</param>
    public IDataView Transform(Table table, bool labelled) =>
        Transformer.Transform(labelled ? TableDataView.Labelled(table, Problem) : TableDataView.Features(table, Problem.Features));

    /// <summary>Writes ML.NET's model.zip, with the feature-only input schema so scoring needs no label.</summary>
    public void Save(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var input = InputSchema;
        // The zip writer wants to seek; blob upload streams cannot, so build it in memory first.
        using var buffer = new MemoryStream();
        Ml.Model.Save(Transformer, input, buffer);
        buffer.Position = 0;
        buffer.CopyTo(stream);
    }

    /// <summary>Reads a model.zip written by <see cref="Save"/>.</summary>
    public static TrainedModel Load(Stream stream, TrainingProblem problem, TableSchema schema)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(schema);
        var ml = ModelContext.Create();
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        buffer.Position = 0;
        var transformer = ml.Model.Load(buffer, out _);
        return new TrainedModel(ml, transformer, problem, problem.FeatureSchema(schema));
    }

    private static Table Empty(TableSchema schema) =>
        new(schema, schema.Columns.Select(c => c.Kind == ColumnKind.Categorical ? (object)Array.Empty<string?>() : Array.Empty<double>()).ToArray());
}
