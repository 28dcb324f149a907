using Microsoft.ML;
using Microsoft.ML.Trainers;
using Microsoft.ML.Trainers.FastTree;
using Microsoft.ML.Trainers.LightGbm;

namespace ModelOps.Core.Training;

/// <summary>The trainers a search can use, by name, each with its search space and a factory per task.</summary>
internal static class TrainerCatalog
{
    public const string LightGbm = "lightgbm";
    public const string FastTree = "fasttree";
    public const string Sdca = "sdca";

    private static readonly TrainerDefinition[] Definitions = [new LightGbmTrainer(), new FastTreeTrainer(), new SdcaTrainer()];

    public static IReadOnlyList<string> Names { get; } = Definitions.Select(d => d.Name).ToArray();

    /// <summary>The search space over the named trainers (all when none are named).</summary>
    /// <exception cref="TrainingProblemException">A name is not a known trainer.</exception>
    public static SearchSpace Space(IReadOnlyList<string>? trainers = null)
    {
        var names = trainers is { Count: > 0 } ? trainers : Names;
        return new SearchSpace(names.Select(n => new TrainerSpace(Get(n).Name, Get(n).Parameters)).DistinctBy(t => t.Trainer).ToArray());
    }

    public static TrainerDefinition Get(string name) =>
        Definitions.FirstOrDefault(d => string.Equals(d.Name, name?.Trim(), StringComparison.OrdinalIgnoreCase))
        ?? throw new TrainingProblemException($"Unknown trainer '{name}'; choose from {string.Join(", ", Names)}.");
}

/// <summary>One trainer: its hyperparameters and how to build its estimator for a task.</summary>
internal abstract class TrainerDefinition
{
    public abstract string Name { get; }

    public abstract IReadOnlyList<HyperparameterRange> Parameters { get; }

    /// <summary>Linear trainers need scaled features; trees do not.</summary>
    public abstract bool NeedsNormalization { get; }

    /// <summary>The estimator for the task, reading <see cref="FeaturePipeline.FeaturesColumn"/> and <see cref="TableDataView.LabelColumn"/>.</summary>
    /// <param name="weighted">Rows carry a weight in <see cref="TableDataView.WeightColumn"/>.</param>
    public IEstimator<ITransformer> Create(MLContext ml, LearningTask task, IReadOnlyDictionary<string, double> values, bool weighted = false)
    {
        var unknown = values.Keys.Where(k => !Parameters.Any(p => string.Equals(p.Name, k, StringComparison.OrdinalIgnoreCase))).ToArray();
        if (unknown.Length > 0)
        {
            throw new ArgumentException(
                $"{Name} has no hyperparameter {string.Join(", ", unknown.Select(u => $"'{u}'"))}; it has {string.Join(", ", Parameters.Select(p => p.Name))}.");
        }
        return Create(ml, task, new Values(Parameters, values), weighted ? TableDataView.WeightColumn : null);
    }

    /// <param name="weight">The example-weight column trainers read, or null.</param>
    protected abstract IEstimator<ITransformer> Create(MLContext ml, LearningTask task, Values values, string? weight);

    protected const string Label = TableDataView.LabelColumn;
    protected const string Features = FeaturePipeline.FeaturesColumn;

    /// <summary>Given values, falling back to each range's default (or middle).</summary>
    protected sealed class Values(IReadOnlyList<HyperparameterRange> ranges, IReadOnlyDictionary<string, double> given)
    {
        public double Double(string name)
        {
            var value = given.FirstOrDefault(kv => string.Equals(kv.Key, name, StringComparison.OrdinalIgnoreCase));
            if (value.Key is not null)
            {
                return double.IsFinite(value.Value) ? value.Value : throw new ArgumentException($"Hyperparameter '{name}' is {value.Value}, not a finite number.");
            }
            var range = ranges.First(r => r.Name == name);
            return range.Default ?? range.At(0.5);
        }

        public int Int(string name) => checked((int)Math.Round(Double(name)));

        public float Single(string name) => (float)Double(name);
    }
}

internal sealed class LightGbmTrainer : TrainerDefinition
{
    public override string Name => TrainerCatalog.LightGbm;

    public override bool NeedsNormalization => false;

    public override IReadOnlyList<HyperparameterRange> Parameters { get; } =
    [
        new("numberOfLeaves", 4, 64, Integer: true, Default: 31),
        new("learningRate", 0.01, 0.3, LogScale: true, Default: 0.1),
        new("numberOfIterations", 20, 200, Integer: true, Default: 100),
        new("minimumExampleCountPerLeaf", 2, 50, Integer: true, Default: 20),
    ];

    protected override IEstimator<ITransformer> Create(MLContext ml, LearningTask task, Values v, string? weight)
    {
        return task switch
        {
            LearningTask.Regression => ml.Regression.Trainers.LightGbm(new LightGbmRegressionTrainer.Options
            {
                LabelColumnName = Label, FeatureColumnName = Features, ExampleWeightColumnName = weight, NumberOfLeaves = v.Int("numberOfLeaves"),
                LearningRate = v.Double("learningRate"), NumberOfIterations = v.Int("numberOfIterations"),
                MinimumExampleCountPerLeaf = v.Int("minimumExampleCountPerLeaf"), Seed = ModelContext.Seed, Verbose = false, Silent = true,
            }),
            LearningTask.Binary => ml.BinaryClassification.Trainers.LightGbm(new LightGbmBinaryTrainer.Options
            {
                LabelColumnName = Label, FeatureColumnName = Features, ExampleWeightColumnName = weight, NumberOfLeaves = v.Int("numberOfLeaves"),
                LearningRate = v.Double("learningRate"), NumberOfIterations = v.Int("numberOfIterations"),
                MinimumExampleCountPerLeaf = v.Int("minimumExampleCountPerLeaf"), Seed = ModelContext.Seed, Verbose = false, Silent = true,
            }),
            _ => ml.MulticlassClassification.Trainers.LightGbm(new LightGbmMulticlassTrainer.Options
            {
                LabelColumnName = Label, FeatureColumnName = Features, ExampleWeightColumnName = weight, NumberOfLeaves = v.Int("numberOfLeaves"),
                LearningRate = v.Double("learningRate"), NumberOfIterations = v.Int("numberOfIterations"),
                MinimumExampleCountPerLeaf = v.Int("minimumExampleCountPerLeaf"), Seed = ModelContext.Seed, Verbose = false, Silent = true,
            }),
        };
    }
}

internal sealed class FastTreeTrainer : TrainerDefinition
{
    public override string Name => TrainerCatalog.FastTree;

    public override bool NeedsNormalization => false;

    public override IReadOnlyList<HyperparameterRange> Parameters { get; } =
    [
        new("numberOfLeaves", 4, 64, Integer: true, Default: 20),
        new("learningRate", 0.01, 0.3, LogScale: true, Default: 0.2),
        new("numberOfTrees", 20, 200, Integer: true, Default: 100),
        new("minimumExampleCountPerLeaf", 2, 50, Integer: true, Default: 10),
    ];

    protected override IEstimator<ITransformer> Create(MLContext ml, LearningTask task, Values v, string? weight)
    {
        return task switch
        {
            LearningTask.Regression => ml.Regression.Trainers.FastTree(new FastTreeRegressionTrainer.Options
            {
                LabelColumnName = Label, FeatureColumnName = Features, ExampleWeightColumnName = weight, NumberOfLeaves = v.Int("numberOfLeaves"),
                LearningRate = v.Double("learningRate"), NumberOfTrees = v.Int("numberOfTrees"),
                MinimumExampleCountPerLeaf = v.Int("minimumExampleCountPerLeaf"), Seed = ModelContext.Seed,
            }),
            LearningTask.Binary => ml.BinaryClassification.Trainers.FastTree(Binary(v, weight)),
            // FastTree has no multiclass form: one binary model per class, calibrated, compared by probability.
            _ => ml.MulticlassClassification.Trainers.OneVersusAll(ml.BinaryClassification.Trainers.FastTree(Binary(v, weight)), labelColumnName: Label),
        };
    }

    // One-versus-all relabels the multiclass label column in place, so the binary trainer reads the same name.
    private static FastTreeBinaryTrainer.Options Binary(Values v, string? weight) => new()
    {
        LabelColumnName = Label, FeatureColumnName = Features, ExampleWeightColumnName = weight, NumberOfLeaves = v.Int("numberOfLeaves"),
        LearningRate = v.Double("learningRate"), NumberOfTrees = v.Int("numberOfTrees"),
        MinimumExampleCountPerLeaf = v.Int("minimumExampleCountPerLeaf"), Seed = ModelContext.Seed,
    };
}

internal sealed class SdcaTrainer : TrainerDefinition
{
    public override string Name => TrainerCatalog.Sdca;

    public override bool NeedsNormalization => true;

    public override IReadOnlyList<HyperparameterRange> Parameters { get; } =
    [
        new("l2Regularization", 1e-4, 1, LogScale: true, Default: 1e-2),
        new("l1Regularization", 1e-5, 1e-1, LogScale: true, Default: 1e-4),
        new("maximumNumberOfIterations", 10, 100, Integer: true, Default: 50),
    ];

    // One thread: SDCA's parallel updates make results depend on scheduling.
    protected override IEstimator<ITransformer> Create(MLContext ml, LearningTask task, Values v, string? weight) => task switch
    {
        LearningTask.Regression => ml.Regression.Trainers.Sdca(new SdcaRegressionTrainer.Options
        {
            LabelColumnName = Label, FeatureColumnName = Features, ExampleWeightColumnName = weight, L2Regularization = v.Single("l2Regularization"),
            L1Regularization = v.Single("l1Regularization"), MaximumNumberOfIterations = v.Int("maximumNumberOfIterations"), NumberOfThreads = 1,
        }),
        LearningTask.Binary => ml.BinaryClassification.Trainers.SdcaLogisticRegression(new SdcaLogisticRegressionBinaryTrainer.Options
        {
            LabelColumnName = Label, FeatureColumnName = Features, ExampleWeightColumnName = weight, L2Regularization = v.Single("l2Regularization"),
            L1Regularization = v.Single("l1Regularization"), MaximumNumberOfIterations = v.Int("maximumNumberOfIterations"), NumberOfThreads = 1,
        }),
        _ => ml.MulticlassClassification.Trainers.SdcaMaximumEntropy(new SdcaMaximumEntropyMulticlassTrainer.Options
        {
            LabelColumnName = Label, FeatureColumnName = Features, ExampleWeightColumnName = weight, L2Regularization = v.Single("l2Regularization"),
            L1Regularization = v.Single("l1Regularization"), MaximumNumberOfIterations = v.Int("maximumNumberOfIterations"), NumberOfThreads = 1,
        }),
    };
}
