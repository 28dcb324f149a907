using ModelOps.Core.Data;
using ModelOps.Core.Pipelines;
using ModelOps.Core.Serving.Onnx;
using ModelOps.Core.Storage;
using ModelOps.Core.Training;

namespace ModelOps.Core.Registry;

/// <summary>An immutable registered model version and its lineage (DESIGN §4 step 7).</summary>
public sealed record ModelManifest
{
    public required ModelName Model { get; init; }

    /// <summary>Assigned by the registry; 0 in a draft.</summary>
    public int Version { get; init; }

    public DateTimeOffset CreatedTime { get; init; }

    public required string RunId { get; init; }

    public required TrainingProblem Problem { get; init; }

    /// <summary>The cleaned training data's schema: what the model expects at predict time.</summary>
    public required TableSchema Schema { get; init; }

    public required string Trainer { get; init; }

    public required IReadOnlyDictionary<string, double> Parameters { get; init; }

    /// <summary>Metrics on the run's held-out rows.</summary>
    public required IReadOnlyDictionary<string, double> Metrics { get; init; }

    public required IReadOnlyList<DatasetBlob> Datasets { get; init; }

    public required ModelConfig Config { get; init; }

    /// <summary>The training run's cleaning plan; its fill values are applied to missing inputs at predict time.</summary>
    public CleaningReport? Cleaning { get; init; }

    /// <summary>The model file inside the version folder: model.zip (ML.NET) or model.onnx.</summary>
    public string ModelFile { get; init; } = "model.zip";

    /// <summary>What runs the model file; versions written before ONNX support read as ML.NET.</summary>
    public ModelFormat Format { get; init; } = ModelFormat.MlNet;

    /// <summary>ONNX versions only: how the graph's inputs and outputs map onto the features and the prediction.</summary>
    public OnnxContract? Onnx { get; init; }

    public long ModelBytes { get; init; }

    public string CodeVersion { get; init; } = typeof(ModelManifest).Assembly.GetName().Version?.ToString() ?? "unknown";
}

/// <summary>What runs a version's model file.</summary>
public enum ModelFormat
{
    /// <summary>An ML.NET model.zip, scored with pooled compiled row predictors.</summary>
    MlNet,

    /// <summary>An ONNX graph (model.onnx), scored with ONNX Runtime; <see cref="ModelManifest.Onnx"/> says how to feed it.</summary>
    Onnx,
}

/// <summary>One dataset blob a run read, pinned by ETag and content hash.</summary>
public sealed record DatasetBlob(string Name, string ETag, long Bytes, string Sha256);

/// <summary>Where an alias points.</summary>
public sealed record AliasTarget(int Version, DateTimeOffset UpdatedTime, string? Reason, string ETag);
