using Microsoft.ML;
using Microsoft.ML.Trainers.FastTree;
using Microsoft.ML.Trainers.LightGbm;

namespace ModelOps.Core.Training;

/// <summary>Creates the <see cref="MLContext"/> every training, evaluation and scoring step uses.</summary>
internal static class ModelContext
{
    /// <summary>The one seed, so that the same data and parameters give the same model.</summary>
    public const int Seed = 20240601;

    public static MLContext Create(int seed = Seed)
    {
        var ml = new MLContext(seed);
        // Loading a model.zip resolves trainers by name; register their assemblies so a fresh process can load them.
        ml.ComponentCatalog.RegisterAssembly(typeof(FastTreeBinaryModelParameters).Assembly);
        ml.ComponentCatalog.RegisterAssembly(typeof(LightGbmBinaryModelParameters).Assembly);
        return ml;
    }
}
