using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using ModelOps.Core.Data;
using ModelOps.Core.Training;

namespace ModelOps.Core.Serving.Onnx;

/// <summary>
/// Scores rows with an ONNX graph through one ONNX Runtime session per loaded version. Thread-safe: the session runs
/// concurrent calls, and each single-row call takes its own pooled input tensors. Disposing releases the session once the
/// calls in flight have finished.
/// </summary>
public sealed class OnnxModelScorer : FeatureTableScorer
{
    private readonly InferenceSession _session;
    private readonly OnnxFeed _feed;
    private readonly string[] _outputs;
    private readonly RunOptions _run = new();
    private readonly ConcurrentBag<OnnxFeed.RowTensors> _rows = [];

    // Classifiers: the probability column of each of the problem's classes (binary: negative, positive).
    private readonly int[] _columnOfClass;
    private readonly IReadOnlyList<string> _classes;

    // Owners (1, the scorer itself, until Dispose) plus calls in flight; the session is released when it reaches 0.
    private int _users = 1;
    private int _disposed;

    internal OnnxModelScorer(InferenceSession session, OnnxContract contract, TrainingProblem problem, TableSchema featureSchema, CleaningReport? cleaning)
        : base(new ScoringInput(problem, featureSchema, cleaning))
    {
        OnnxGraph.Verify(session, contract, problem, featureSchema);
        _session = session;
        Contract = contract;
        _feed = new OnnxFeed(contract, problem);
        _outputs = [problem.Task == LearningTask.Regression ? contract.Value! : contract.Probabilities!];
        // Binary problems name only their positive class; the other probability column is the negative one.
        _classes = problem.Task == LearningTask.Multiclass ? problem.Classes! : [];
        _columnOfClass = problem.Task switch
        {
            LearningTask.Binary when IndexOf(contract.Classes!, problem.PositiveClass!) is var positive and >= 0 => [1 - positive, positive],
            LearningTask.Multiclass => _classes.Select(c => IndexOf(contract.Classes!, c)).ToArray(),
            _ => [],
        };
        if (problem.Task != LearningTask.Regression && (_columnOfClass.Length == 0 || _columnOfClass.Any(i => i < 0)))
        {
            throw new OnnxContractException(
                $"The manifest's probability columns ({string.Join(", ", contract.Classes!)}) do not name every class of the problem "
                + $"({(problem.Task == LearningTask.Binary ? $"positive class {problem.PositiveClass}" : string.Join(", ", _classes))}).");
        }
    }

    /// <summary>How the graph is fed and read.</summary>
    public OnnxContract Contract { get; }

    /// <summary>The session, for comparing with ONNX Runtime called directly (the serving benchmark).</summary>
    internal InferenceSession Session => _session;

    /// <summary>Loads model.onnx and checks it against the version's contract.</summary>
    /// <param name="featureSchema">The version's features, in <see cref="TrainingProblem.Features"/> order.</param>
    /// <param name="cleaning">The fill values and clip ranges of the data the version was registered with (see <see cref="ModelScorer.Load"/>).</param>
    /// <exception cref="OnnxContractException">The file is not a usable graph, or its inputs or outputs are not what the contract says.</exception>
    public static OnnxModelScorer Load(Stream modelOnnx, OnnxContract contract, TrainingProblem problem, TableSchema featureSchema, CleaningReport? cleaning = null)
    {
        ArgumentNullException.ThrowIfNull(modelOnnx);
        ArgumentNullException.ThrowIfNull(contract);
        using var buffer = new MemoryStream();
        modelOnnx.CopyTo(buffer);
        var session = OnnxGraph.Open(buffer.ToArray());
        try
        {
            return new OnnxModelScorer(session, contract, problem, featureSchema, cleaning);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Import's check of the class order: for each row of a feature table, the graph's own label output (as text) and
    /// the probability column it put highest.
    /// </summary>
    internal static (string[] Labels, int[] Highest, int Width) ReadLabels(InferenceSession session, OnnxContract contract, TrainingProblem problem, Table features)
    {
        var feed = new OnnxFeed(contract, problem);
        var inputs = feed.Create(features);
        try
        {
            using var run = new RunOptions();
            using var outputs = session.Run(run, feed.InputNames.ToArray(), inputs, [contract.Label!, contract.Probabilities!]);
            var labels = outputs[0].GetTensorTypeAndShape().ElementDataType == TensorElementType.String
                ? outputs[0].GetStringTensorAsArray()
                : outputs[0].GetTensorDataAsSpan<long>().ToArray().Select(l => l.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            var probabilities = Numbers(outputs[1]);
            var width = probabilities.Length / features.RowCount;
            var highest = new int[features.RowCount];
            for (var r = 0; r < features.RowCount; r++)
            {
                var row = probabilities.AsSpan(r * width, width);
                highest[r] = row.IndexOf(Max(row));
            }
            return (labels, highest, width);
        }
        finally
        {
            foreach (var input in inputs)
            {
                input.Dispose();
            }
        }
    }

    public override void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Release();
        }
    }

    private protected override IReadOnlyList<Prediction> Predict(Table features)
    {
        if (!TryAcquire())
        {
            throw new ObjectDisposedException(nameof(OnnxModelScorer), "This model version was unloaded.");
        }
        try
        {
            if (features.RowCount == 1)
            {
                // The usual online request: pooled input tensors, refilled in place.
                var row = _rows.TryTake(out var pooled) ? pooled : _feed.CreateRow();
                try
                {
                    row.Load(features, 0);
                    using var outputs = _session.Run(_run, _feed.InputNames, row.Values, _outputs);
                    return Read(outputs[0], 1);
                }
                finally
                {
                    _rows.Add(row);
                }
            }
            var inputs = _feed.Create(features);
            try
            {
                using var outputs = _session.Run(_run, _feed.InputNames, inputs, _outputs);
                return Read(outputs[0], features.RowCount);
            }
            finally
            {
                foreach (var input in inputs)
                {
                    input.Dispose();
                }
            }
        }
        finally
        {
            Release();
        }
    }

    private List<Prediction> Read(OrtValue output, int rows)
    {
        var predictions = new List<Prediction>(rows);
        var info = output.GetTensorTypeAndShape();
        if (info.ElementCount % rows != 0)
        {
            throw new OnnxContractException($"The graph's output '{_outputs[0]}' has {info.ElementCount} values for {rows} rows.");
        }
        var width = (int)(info.ElementCount / rows);
        if (Problem.Task == LearningTask.Regression)
        {
            if (info.ElementDataType == TensorElementType.Double)
            {
                var doubles = output.GetTensorDataAsSpan<double>();
                for (var r = 0; r < rows; r++)
                {
                    predictions.Add(new RegressionPrediction(doubles[r * width]));
                }
                return predictions;
            }
            var floats = output.GetTensorDataAsSpan<float>();
            for (var r = 0; r < rows; r++)
            {
                predictions.Add(new RegressionPrediction(floats[r * width]));
            }
            return predictions;
        }
        ReadOnlySpan<float> values = info.ElementDataType == TensorElementType.Double ? Numbers(output) : output.GetTensorDataAsSpan<float>();
        if (width != Contract.Classes!.Count)
        {
            throw new OnnxContractException($"The graph's output '{_outputs[0]}' has {width} probabilities per row; the manifest names {Contract.Classes.Count} classes.");
        }
        Span<float> ordered = stackalloc float[Math.Max(_classes.Count, 1)];
        for (var r = 0; r < rows; r++)
        {
            var row = values.Slice(r * width, width);
            if (Problem.Task == LearningTask.Binary)
            {
                var (negative, positive) = (row[_columnOfClass[0]], row[_columnOfClass[1]]);
                predictions.Add(BinaryPrediction.From(positive >= negative, positive));
                continue;
            }
            for (var c = 0; c < _classes.Count; c++)
            {
                ordered[c] = row[_columnOfClass[c]];
            }
            predictions.Add(MulticlassPrediction.FromScores(ordered[.._classes.Count], _classes));
        }
        return predictions;
    }

    private bool TryAcquire()
    {
        while (true)
        {
            var users = Volatile.Read(ref _users);
            if (users == 0)
            {
                return false;
            }
            if (Interlocked.CompareExchange(ref _users, users + 1, users) == users)
            {
                return true;
            }
        }
    }

    private void Release()
    {
        if (Interlocked.Decrement(ref _users) == 0)
        {
            _session.Dispose();
            _run.Dispose();
            while (_rows.TryTake(out var row))
            {
                row.Dispose();
            }
        }
    }

    private static float[] Numbers(OrtValue value) =>
        value.GetTensorTypeAndShape().ElementDataType == TensorElementType.Double
            ? Array.ConvertAll(value.GetTensorDataAsSpan<double>().ToArray(), v => (float)v)
            : value.GetTensorDataAsSpan<float>().ToArray();

    private static float Max(ReadOnlySpan<float> values)
    {
        var max = float.NegativeInfinity;
        foreach (var v in values)
        {
            max = Math.Max(max, v);
        }
        return max;
    }

    private static int IndexOf(IReadOnlyList<string> list, string value)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (string.Equals(list[i], value, StringComparison.Ordinal))
            {
                return i;
            }
        }
        return -1;
    }
}
