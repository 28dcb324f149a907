using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using ModelOps.Core.Data;
using ModelOps.Core.Training;

namespace ModelOps.Core.Serving.Onnx;

/// <summary>Opens ONNX graphs for scoring and matches their inputs and outputs with a version's features and prediction.</summary>
internal static class OnnxGraph
{
    private static readonly string[] ValueNames = ["variable", "value", "prediction", "predictions", "output", "score", "scores"];
    private static readonly string[] ProbabilityNames = ["probabilities", "probability", "output_probability", "probs"];
    private static readonly string[] LabelNames = ["label", "output_label", "predicted_label"];

    /// <summary>A session for serving: one per loaded version, shared by every request.</summary>
    /// <exception cref="OnnxContractException">The bytes are not a graph ONNX Runtime can run.</exception>
    public static InferenceSession Open(byte[] model)
    {
        using var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            // Parallelism comes from concurrent requests; per-call worker threads would only spin on a tabular model's
            // microseconds of work and take cores from the requests beside it.
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        };
        try
        {
            return new InferenceSession(model, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new OnnxContractException($"The file is not an ONNX model that ONNX Runtime can run: {e.Message}", e);
        }
    }

    /// <summary>Checks that a graph still takes and gives what a version's contract says.</summary>
    /// <exception cref="OnnxContractException">Every mismatch, in one message.</exception>
    public static void Verify(InferenceSession session, OnnxContract contract, TrainingProblem problem, TableSchema featureSchema)
    {
        var errors = new List<string>();
        foreach (var name in session.InputMetadata.Keys.Where(n => contract.Inputs.All(i => i.Name != n)))
        {
            errors.Add($"the graph's input '{name}' ({Describe(session.InputMetadata[name])}) is fed by nothing in the manifest");
        }
        foreach (var input in contract.Inputs)
        {
            if (!session.InputMetadata.TryGetValue(input.Name, out var node))
            {
                errors.Add($"the manifest feeds input '{input.Name}', which the graph does not have (it has {List(session.InputMetadata.Keys)})");
                continue;
            }
            if (InputProblem(node, input.Type, input.Columns.Count) is { } problemText)
            {
                errors.Add($"input '{input.Name}' is {Describe(node)}, but the manifest feeds it {Describe(input)}: {problemText}");
            }
            foreach (var column in input.Columns)
            {
                var feature = featureSchema.Find(column);
                if (feature is null)
                {
                    errors.Add($"input '{input.Name}' is fed from '{column}', which is not a feature of the version");
                }
                else if ((feature.Kind == ColumnKind.Categorical) != (input.Type == OnnxElementType.String))
                {
                    errors.Add($"input '{input.Name}' takes {Name(input.Type)} but feature '{column}' is {feature.Kind.ToString().ToLowerInvariant()}");
                }
            }
        }
        var fed = contract.Inputs.SelectMany(i => i.Columns).ToHashSet(StringComparer.OrdinalIgnoreCase);
        errors.AddRange(problem.Features.Where(f => !fed.Contains(f)).Select(f => $"feature '{f}' feeds no input of the graph"));
        if (problem.Task == LearningTask.Regression)
        {
            CheckOutput(session, contract.Value, "value", errors, node => IsNumberTensor(node) && (node.Dimensions.Length == 1 || node.Dimensions.Length == 2 && node.Dimensions[1] is 1 or -1) ? null : "a float tensor [N,1] or [N]");
        }
        else
        {
            var classes = problem.Task == LearningTask.Binary ? 2 : problem.Classes!.Count;
            CheckOutput(session, contract.Probabilities, "probabilities", errors, node => IsNumberTensor(node) && node.Dimensions.Length == 2
                && (node.Dimensions[1] < 0 || node.Dimensions[1] == classes) ? null : $"a float tensor [N,{classes}]");
            if (contract.Classes is not { } named || named.Count != classes)
            {
                errors.Add($"the manifest must name the class of each of the {classes} probability columns");
            }
        }
        if (errors.Count > 0)
        {
            throw new OnnxContractException($"The ONNX graph does not match its manifest: {string.Join("; ", errors)}.");
        }
    }

    /// <summary>
    /// Works out how to feed a graph from a table and read its prediction: inputs named after columns take those
    /// columns; one remaining float input [N,k] takes the other feature columns as a matrix, in
    /// <paramref name="matrixColumns"/>' order or the table's.
    /// </summary>
    /// <param name="candidates">The columns that may be features, in the table's order (the label and excluded columns left out).</param>
    /// <exception cref="OnnxContractException">Inputs the data cannot feed, or outputs that do not fit the task; all named.</exception>
    public static OnnxContract Infer(InferenceSession session, TableSchema candidates, LearningTask task, IReadOnlyList<string>? matrixColumns, string sha256)
    {
        var errors = new List<string>();
        var inputs = new List<OnnxInput>();
        var unmatched = new List<(string Name, NodeMetadata Node)>();
        foreach (var (name, node) in session.InputMetadata)
        {
            if (candidates.Find(name) is not { } column)
            {
                unmatched.Add((name, node));
                continue;
            }
            var type = ElementType(node);
            var problemText = type is null ? $"ModelOps feeds float, double or string inputs" : InputProblem(node, type.Value, 1);
            if (problemText is null && (column.Kind == ColumnKind.Categorical) != (type == OnnxElementType.String))
            {
                problemText = $"column '{column.Name}' is {column.Kind.ToString().ToLowerInvariant()}";
            }
            if (problemText is not null)
            {
                errors.Add($"input '{name}' is {Describe(node)}: {problemText}");
                continue;
            }
            inputs.Add(new OnnxInput(name, type!.Value, [column.Name]));
        }
        if (unmatched.Count == 1 && ElementType(unmatched[0].Node) is OnnxElementType.Float or OnnxElementType.Double
            && unmatched[0].Node.Dimensions.Length == 2)
        {
            var (name, node) = unmatched[0];
            var used = inputs.SelectMany(i => i.Columns).ToHashSet(StringComparer.OrdinalIgnoreCase);
            var columns = matrixColumns is { Count: > 0 }
                ? matrixColumns.Select(c => candidates.Find(c)?.Name ?? c).ToList()
                : candidates.Columns.Where(c => !used.Contains(c.Name)).Select(c => c.Name).ToList();
            var missing = columns.Where(c => candidates.Find(c) is null).ToList();
            var categorical = columns.Where(c => candidates.Find(c) is { Kind: ColumnKind.Categorical }).ToList();
            var width = node.Dimensions[1];
            if (missing.Count > 0)
            {
                errors.Add($"the matrix input '{name}' is to take {List(missing)}, which the data does not have");
            }
            else if (categorical.Count > 0)
            {
                errors.Add($"the matrix input '{name}' ({Describe(node)}) would take the categorical column(s) {List(categorical)}; "
                    + "a float matrix takes numbers only: give the graph a string input per category, or leave them out with exclude");
            }
            else if (width > 0 && width != columns.Count)
            {
                errors.Add($"the matrix input '{name}' takes {width} columns but the data has {columns.Count} feature columns for it "
                    + $"({List(columns)}); name the {width} in order with the features option, or exclude the others");
            }
            else
            {
                inputs.Add(new OnnxInput(name, ElementType(node)!.Value, columns));
            }
        }
        else
        {
            foreach (var (name, node) in unmatched)
            {
                errors.Add($"input '{name}' ({Describe(node)}) matches no column of the data");
            }
        }
        if (errors.Count > 0)
        {
            throw new OnnxContractException(
                $"The ONNX graph's inputs do not fit the data: {string.Join("; ", errors)}. The data's feature columns are {List(candidates.Columns.Select(c => c.Name))}; "
                + "a graph takes one input per column named after it ([N,1], float for numbers, string for categories), and/or one float matrix [N,k].");
        }

        var outputs = session.OutputMetadata;
        if (task == LearningTask.Regression)
        {
            var value = Pick(outputs, ValueNames, node => IsNumberTensor(node) && (node.Dimensions.Length == 1 || node.Dimensions.Length == 2 && node.Dimensions[1] is 1 or -1))
                ?? throw new OnnxContractException($"A regression graph needs a float output [N,1] or [N] with the value; it has {DescribeAll(outputs)}.");
            return new OnnxContract(inputs, value, null, null, null, sha256);
        }
        var probabilities = Pick(outputs, ProbabilityNames, node => IsNumberTensor(node) && node.Dimensions.Length == 2)
            ?? throw new OnnxContractException(
                $"A classifier graph needs a float output [N,C] with one probability per class; it has {DescribeAll(outputs)}. "
                + (outputs.Values.Any(n => n.OnnxValueType != OnnxValueType.ONNX_TYPE_TENSOR)
                    ? "Probabilities as a sequence of maps (sklearn-onnx's ZipMap) are not read: convert with options={'zipmap': False}." : ""));
        var label = Pick(outputs, LabelNames, node => node.OnnxValueType == OnnxValueType.ONNX_TYPE_TENSOR
            && node.ElementDataType is TensorElementType.String or TensorElementType.Int64 && node.Dimensions.Length is 1 or 2);
        return new OnnxContract(inputs, null, probabilities, label, null, sha256);
    }

    public static string Describe(NodeMetadata node) => node.OnnxValueType == OnnxValueType.ONNX_TYPE_TENSOR
        ? $"{node.ElementDataType.ToString().ToLowerInvariant()}[{string.Join(",", node.Dimensions.Select(d => d < 0 ? "N" : d.ToString(System.Globalization.CultureInfo.InvariantCulture)))}]"
        : node.OnnxValueType.ToString().Replace("ONNX_TYPE_", "", StringComparison.Ordinal).ToLowerInvariant();

    private static string Describe(OnnxInput input) => $"{Name(input.Type)}[N,{input.Columns.Count}]";

    private static string DescribeAll(IReadOnlyDictionary<string, NodeMetadata> nodes) =>
        nodes.Count == 0 ? "none" : string.Join(", ", nodes.Select(n => $"'{n.Key}' ({Describe(n.Value)})"));

    private static string Name(OnnxElementType type) => type.ToString().ToLowerInvariant();

    private static string List(IEnumerable<string> names) => string.Join(", ", names.Select(n => $"'{n}'"));

    private static OnnxElementType? ElementType(NodeMetadata node) =>
        node.OnnxValueType != OnnxValueType.ONNX_TYPE_TENSOR ? null : node.ElementDataType switch
        {
            TensorElementType.Float => OnnxElementType.Float,
            TensorElementType.Double => OnnxElementType.Double,
            TensorElementType.String => OnnxElementType.String,
            _ => null,
        };

    private static bool IsNumberTensor(NodeMetadata node) =>
        node.OnnxValueType == OnnxValueType.ONNX_TYPE_TENSOR && node.ElementDataType is TensorElementType.Float or TensorElementType.Double;

    /// <summary>Why an input cannot be fed as [N,width] of the type, or null when it can.</summary>
    private static string? InputProblem(NodeMetadata node, OnnxElementType type, int width)
    {
        if (ElementType(node) != type)
        {
            return "the element types differ";
        }
        if (node.Dimensions.Length != 2)
        {
            return "ModelOps feeds inputs of shape [N,k]";
        }
        return node.Dimensions[1] > 0 && node.Dimensions[1] != width ? $"it takes {node.Dimensions[1]} columns, not {width}" : null;
    }

    private static void CheckOutput(InferenceSession session, string? name, string role, List<string> errors, Func<NodeMetadata, string?> problem)
    {
        if (name is null)
        {
            errors.Add($"the manifest names no {role} output");
        }
        else if (!session.OutputMetadata.TryGetValue(name, out var node))
        {
            errors.Add($"the {role} output '{name}' is not in the graph (it has {DescribeAll(session.OutputMetadata)})");
        }
        else if (problem(node) is { } expected)
        {
            errors.Add($"the {role} output '{name}' is {Describe(node)}, not {expected}");
        }
    }

    /// <summary>The output with a conventional name that fits, else the first that fits.</summary>
    private static string? Pick(IReadOnlyDictionary<string, NodeMetadata> outputs, string[] names, Func<NodeMetadata, bool> fits) =>
        names.Select(n => outputs.Keys.FirstOrDefault(k => string.Equals(k, n, StringComparison.OrdinalIgnoreCase) && fits(outputs[k]))).FirstOrDefault(k => k is not null)
        ?? outputs.FirstOrDefault(o => fits(o.Value)).Key;
}
