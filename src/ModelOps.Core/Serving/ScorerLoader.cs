using ModelOps.Core.Registry;
using ModelOps.Core.Serving.Onnx;

namespace ModelOps.Core.Serving;

/// <summary>Loads a registered version's model file with the scorer its format needs.</summary>
public static class ScorerLoader
{
    /// <param name="modelFile">The version's model.zip or model.onnx (<see cref="ModelRegistry.DownloadModelAsync"/>).</param>
    /// <exception cref="OnnxContractException">An ONNX version whose graph no longer matches its manifest.</exception>
    public static IModelScorer Load(ModelManifest manifest, Stream modelFile)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var features = manifest.Problem.FeatureSchema(manifest.Schema);
        return manifest.Format switch
        {
            ModelFormat.Onnx => OnnxModelScorer.Load(modelFile, manifest.Onnx
                ?? throw new OnnxContractException($"Version {manifest.Version} of '{manifest.Model}' is ONNX but its manifest has no ONNX contract."),
                manifest.Problem, features, manifest.Cleaning),
            _ => ModelScorer.Load(modelFile, manifest.Problem, features, manifest.Cleaning),
        };
    }
}
