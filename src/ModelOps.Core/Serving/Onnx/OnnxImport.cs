using System.Globalization;
using System.Security.Cryptography;
using ModelOps.Core.Data;
using ModelOps.Core.Evaluation;
using ModelOps.Core.Monitoring;
using ModelOps.Core.Pipelines;
using ModelOps.Core.Pipelines.Activities;
using ModelOps.Core.Registry;
using ModelOps.Core.Storage;
using ModelOps.Core.Training;

namespace ModelOps.Core.Serving.Onnx;

/// <summary>What to import: the model, the reference data's file name, and options that override the model config.</summary>
/// <param name="Features">For a graph with one float matrix input: the feature columns it takes, in order (default: the data's
/// feature columns in file order).</param>
/// <param name="Alias">An alias to point at the new version (e.g. <c>production</c>); none when null.</param>
public sealed record OnnxImportRequest(
    ModelName Model,
    string DataFileName,
    string? Label = null,
    string? Task = null,
    string? Alias = null,
    IReadOnlyList<string>? Features = null);

/// <summary>The registered version, how many reference rows it was checked and profiled on, and the alias moved, if any.</summary>
public sealed record OnnxImportResult(ModelManifest Manifest, int ReferenceRows, AliasTarget? Alias);

/// <summary>An import was refused: the graph, the data or the options do not fit together. The message says how; nothing was registered.</summary>
public sealed class ModelImportException(string message, Exception? innerException = null) : Exception(message, innerException);

/// <summary>
/// Registers an ONNX model trained elsewhere as a version like any other: its graph is matched with a reference data
/// file's columns, scored on the file's rows (which must give the outputs the contract expects), and registered with the
/// same companion files a training run leaves (<c>profile.json</c>, <c>baseline.json</c>), so serving and the monitor
/// treat it as they treat a trained version. The reference data should be what the model was trained on (or like it).
/// </summary>
public sealed class OnnxImport(ModelRegistry registry, DatasetCatalog datasets)
{
    /// <summary>Fewer reference rows than this give the monitor no baseline worth comparing with.</summary>
    internal const int MinReferenceRows = 20;

    /// <exception cref="ModelImportException">The graph, data or options do not fit; nothing was registered.</exception>
    /// <exception cref="AliasConflictException">The version was registered, but the alias moved meanwhile and was left alone.</exception>
    public async Task<OnnxImportResult> ImportAsync(OnnxImportRequest request, byte[] onnx, Stream data, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(onnx);
        ArgumentNullException.ThrowIfNull(data);
        if (request.Alias is { } asked)
        {
            try
            {
                ModelRegistry.ValidateAlias(asked);
            }
            catch (ArgumentException e)
            {
                throw new ModelImportException(e.Message, e);
            }
        }
        ModelConfig config;
        try
        {
            config = await datasets.ReadConfigAsync(request.Model, cancellationToken);
        }
        catch (InvalidModelConfigException e)
        {
            throw new ModelImportException($"The model config of '{request.Model}' cannot be used: {e.Message}", e);
        }
        config = config with { Label = request.Label ?? config.Label, Task = request.Task?.ToLowerInvariant() ?? config.Task };
        if (config.Task is not (null or "regression" or "binary" or "multiclass"))
        {
            throw new ModelImportException($"The task '{config.Task}' must be regression, binary or multiclass.");
        }

        var session = Open(onnx);
        OnnxModelScorer? scorer = null;
        try
        {
            using var reference = new MemoryStream();
            await data.CopyToAsync(reference, cancellationToken);
            var raw = await ReadAsync(session, reference, request.DataFileName, config, cancellationToken);
            var (problem, table, cleaning, contract) = Match(session, raw, config, request, Sha256(onnx));
            scorer = new OnnxModelScorer(session, contract, problem, problem.FeatureSchema(table.Schema), cleaning);
            var predictions = scorer.Score(table, cancellationToken);
            var production = await registry.GetAliasAsync(request.Model, ModelRegistry.Production, cancellationToken);
            var baselineProfile = production is null ? null
                : await registry.ReadVersionFileAsync<DataProfile>(request.Model, production.Version, CleanActivity.ProfileFile, cancellationToken);

            var dataHash = Sha256(reference.ToArray());
            var manifest = await registry.RegisterAsync(new ModelManifest
            {
                Model = request.Model,
                // One version per (graph, reference data): importing the same pair again returns the version it made.
                RunId = $"import-{contract.Sha256[..16]}-{dataHash[..8]}",
                Problem = problem,
                Schema = table.Schema,
                Trainer = $"onnx ({(session.ModelMetadata.ProducerName is { Length: > 0 } producer ? producer : "unknown producer")})",
                Parameters = new Dictionary<string, double>(),
                Metrics = PredictionMetrics.Evaluate(problem, table, predictions),
                Datasets = [new DatasetBlob(Path.GetFileName(request.DataFileName), ETag: "", reference.Length, dataHash)],
                Config = config,
                Cleaning = cleaning,
                ModelFile = "model.onnx",
                Format = ModelFormat.Onnx,
                Onnx = contract,
            }, new MemoryStream(onnx, writable: false), cancellationToken);
            await registry.WriteVersionFileAsync(request.Model, manifest.Version, CleanActivity.ProfileFile,
                Profiler.Profile(raw, baseline: baselineProfile), cancellationToken);
            await registry.WriteVersionFileAsync(request.Model, manifest.Version, BaselineSample.File,
                BaselineSample.From(manifest.Version, table, problem, predictions, seed: manifest.Version), cancellationToken);
            var alias = request.Alias is { } name ? await MoveAliasAsync(manifest, name, request.DataFileName, cancellationToken) : null;
            return new OnnxImportResult(manifest, table.RowCount, alias);
        }
        finally
        {
            if (scorer is null)
            {
                session.Dispose();
            }
            scorer?.Dispose();
        }
    }

    private static Microsoft.ML.OnnxRuntime.InferenceSession Open(byte[] onnx)
    {
        try
        {
            return OnnxGraph.Open(onnx);
        }
        catch (OnnxContractException e)
        {
            throw new ModelImportException(e.Message, e);
        }
    }

    /// <summary>
    /// Reads the reference data. Columns the graph takes as strings are read as text even when they look like numbers
    /// or yes/no (zip codes, flags), since the graph learnt their text.
    /// </summary>
    private static async Task<Table> ReadAsync(Microsoft.ML.OnnxRuntime.InferenceSession session, MemoryStream reference, string fileName,
        ModelConfig config, CancellationToken cancellationToken)
    {
        try
        {
            var options = config.Data.ReadOptions(null);
            reference.Position = 0;
            var table = (await DataFileReader.ReadAsync(reference, fileName, options, cancellationToken: cancellationToken)).Table;
            var asText = session.InputMetadata
                .Where(i => i.Value.IsTensor && i.Value.ElementDataType == Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.String)
                .Select(i => table.Schema.Find(i.Key)).OfType<ColumnSchema>().Where(c => c.Kind != ColumnKind.Categorical)
                .Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
            if (asText.Count == 0)
            {
                return table;
            }
            reference.Position = 0;
            var schema = new TableSchema(table.Schema.Columns.Select(c => asText.Contains(c.Name) ? c with { Kind = ColumnKind.Categorical } : c).ToArray());
            return (await DataFileReader.ReadAsync(reference, fileName, options with { Schema = schema }, cancellationToken: cancellationToken)).Table;
        }
        catch (DataFileException e)
        {
            throw new ModelImportException($"The reference data '{fileName}' cannot be read: {e.Message}", e);
        }
    }

    /// <summary>The problem, the cleaned reference rows and the contract: which columns feed which inputs, which output answers.</summary>
    private static (TrainingProblem, Table, CleaningReport, OnnxContract) Match(
        Microsoft.ML.OnnxRuntime.InferenceSession session, Table raw, ModelConfig config, OnnxImportRequest request, string sha256)
    {
        try
        {
            var label = config.Label ?? TrainingProblem.ResolveLabel(raw.Schema, null);
            if (session.InputMetadata.Keys.FirstOrDefault(i => string.Equals(i, label, StringComparison.OrdinalIgnoreCase)) is { } input)
            {
                throw new ModelImportException($"The graph takes '{input}' as an input, but '{label}' is the label; name the label with the label option.");
            }
            var cleaning = Cleaner.Clean(raw, label, config.Data.Cleaning);
            var table = cleaning.Table;
            if (table.RowCount < MinReferenceRows)
            {
                throw new ModelImportException(
                    $"The reference data has {table.RowCount} usable rows; at least {MinReferenceRows} are needed to check the graph and give the monitor a baseline.");
            }
            var task = config.Task is null ? (LearningTask?)null : Enum.Parse<LearningTask>(config.Task, ignoreCase: true);
            var problem = TrainingProblem.Infer(table, label, task, config.Metric, config.Exclude);
            var candidates = problem.FeatureSchema(table.Schema);
            var contract = OnnxGraph.Infer(session, candidates, problem.Task, request.Features, sha256);
            var used = contract.Inputs.SelectMany(i => i.Columns).ToHashSet(StringComparer.OrdinalIgnoreCase);
            problem = problem with { Features = candidates.Columns.Select(c => c.Name).Where(used.Contains).ToArray() };
            if (problem.Task != LearningTask.Regression)
            {
                var levels = LabelValues.Distinct(table, table.Schema.IndexOf(label));
                var features = new ScoringInput(problem, problem.FeatureSchema(table.Schema), cleaning.Report).Features(table);
                contract = contract with { Classes = ClassOrder(session, contract, problem, features, levels, table.Schema.Find(label)!.Kind) };
            }
            return (problem, table, cleaning.Report, contract);
        }
        catch (Exception e) when (e is OnnxContractException or TrainingProblemException or ArgumentException)
        {
            throw new ModelImportException(e.Message, e);
        }
    }

    /// <summary>
    /// The class of each probability column. The graph's label output says it: each reference row's label must name the
    /// column the graph put highest, which maps the graph's class names onto the data's. Without a label output the
    /// columns are taken to be in the sorted order of the classes, as sklearn orders them.
    /// </summary>
    private static IReadOnlyList<string> ClassOrder(Microsoft.ML.OnnxRuntime.InferenceSession session, OnnxContract contract,
        TrainingProblem problem, Table features, IReadOnlyList<string> levels, ColumnKind labelKind)
    {
        if (contract.Label is null)
        {
            return levels;
        }
        var (labels, highest, width) = OnnxModelScorer.ReadLabels(session, contract, problem, features);
        if (width != levels.Count)
        {
            throw new ModelImportException(
                $"The graph's output '{contract.Probabilities}' has {width} probabilities per row, but the label '{problem.Label}' has {levels.Count} classes ({string.Join(", ", levels)}).");
        }
        var names = new string?[width];
        for (var r = 0; r < labels.Length; r++)
        {
            var name = Resolve(labels[r], levels, labelKind)
                ?? throw new ModelImportException(
                    $"The graph labels reference row {r} '{labels[r]}', which is not a class of '{problem.Label}' ({string.Join(", ", levels)}).");
            var column = highest[r];
            if (names[column] is null)
            {
                names[column] = name;
            }
            else if (names[column] != name)
            {
                throw new ModelImportException(
                    $"The graph's label output and its probabilities disagree: probability column {column} is highest for rows labelled '{names[column]}' and for row {r}, labelled '{labels[r]}'.");
            }
        }
        if (names.OfType<string>().GroupBy(n => n).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new ModelImportException($"The graph labels rows '{twice.Key}' from more than one probability column; its class order cannot be told.");
        }
        // Columns never highest on the reference rows take the classes left, in sorted order.
        var left = new Queue<string>(levels.Where(l => !names.Contains(l)));
        return names.Select(n => n ?? left.Dequeue()).ToArray();
    }

    /// <summary>The data's class a graph's label names: the same text (any case), a yes/no/1/0 for a true/false label, or a class index.</summary>
    private static string? Resolve(string graphLabel, IReadOnlyList<string> levels, ColumnKind labelKind)
    {
        if (levels.FirstOrDefault(l => string.Equals(l, graphLabel, StringComparison.OrdinalIgnoreCase)) is { } same)
        {
            return same;
        }
        if (labelKind == ColumnKind.Boolean && CellText.TryParseBoolean(graphLabel, acceptDigits: true, out var flag))
        {
            return flag != 0 ? "true" : "false";
        }
        return int.TryParse(graphLabel, NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < levels.Count ? levels[index] : null;
    }

    /// <summary>Points the alias at the version with the registry's ETag condition, as deployment does.</summary>
    private async Task<AliasTarget> MoveAliasAsync(ModelManifest manifest, string alias, string fileName, CancellationToken cancellationToken)
    {
        var current = await registry.GetAliasAsync(manifest.Model, alias, cancellationToken);
        if (current?.Version == manifest.Version)
        {
            return current;
        }
        return await registry.SetAliasAsync(manifest.Model, alias, manifest.Version, current?.ETag,
            $"ONNX import checked on {Path.GetFileName(fileName)} (was {(current is null ? "unset" : $"v{current.Version}")})", cancellationToken);
    }

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
