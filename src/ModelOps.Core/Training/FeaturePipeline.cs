using Microsoft.ML;
using Microsoft.ML.Data;
using ModelOps.Core.Data;

namespace ModelOps.Core.Training;

/// <summary>Turns the feature columns of a schema into the one Single vector trainers read.</summary>
internal static class FeaturePipeline
{
    public const string FeaturesColumn = "__features__";
    private const string OneHotPrefix = "__onehot__";

    /// <param name="normalize">Min-max scale the vector; linear trainers need it, trees do not.</param>
    public static IEstimator<ITransformer> Build(MLContext ml, TableSchema schema, IReadOnlyList<string> features, bool normalize)
    {
        IEstimator<ITransformer> pipeline = new EstimatorChain<ITransformer>();
        var parts = new List<string>(features.Count);
        foreach (var name in features)
        {
            var column = schema.Find(name) ?? throw new TrainingProblemException($"The data lacks the feature column '{name}'.");
            if (column.Kind == ColumnKind.Categorical)
            {
                // Unseen categories at scoring time become an all-zero block rather than an error.
                var encoded = OneHotPrefix + column.Name;
                pipeline = pipeline.Append(ml.Transforms.Categorical.OneHotEncoding(encoded, column.Name));
                parts.Add(encoded);
            }
            else
            {
                parts.Add(column.Name);
            }
        }
        pipeline = pipeline.Append(ml.Transforms.Concatenate(FeaturesColumn, [.. parts]));
        if (normalize)
        {
            pipeline = pipeline.Append(ml.Transforms.NormalizeMinMax(FeaturesColumn));
        }
        return pipeline;
    }
}
