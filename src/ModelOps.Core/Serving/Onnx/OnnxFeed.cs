using Microsoft.ML.OnnxRuntime;
using ModelOps.Core.Data;
using ModelOps.Core.Training;

namespace ModelOps.Core.Serving.Onnx;

/// <summary>Turns rows of a feature table into the graph's input tensors, as the version's contract maps them.</summary>
internal sealed class OnnxFeed
{
    private readonly OnnxInput[] _inputs;
    private readonly int[][] _columns;

    public OnnxFeed(OnnxContract contract, TrainingProblem problem)
    {
        _inputs = [.. contract.Inputs];
        var features = problem.Features.ToList();
        _columns = _inputs.Select(i => i.Columns
            .Select(c => features.FindIndex(f => string.Equals(f, c, StringComparison.OrdinalIgnoreCase)))
            .ToArray()).ToArray();
        InputNames = _inputs.Select(i => i.Name).ToArray();
    }

    public IReadOnlyList<string> InputNames { get; }

    /// <summary>Tensors [rows, k] holding every row of the table (columns in feature order); the caller disposes them.</summary>
    public OrtValue[] Create(Table features)
    {
        var values = new OrtValue[_inputs.Length];
        try
        {
            for (var i = 0; i < _inputs.Length; i++)
            {
                var (value, numbers) = Allocate(i, features.RowCount);
                values[i] = value;
                for (var r = 0; r < features.RowCount; r++)
                {
                    Write(value, numbers, i, features, r, r);
                }
            }
            return values;
        }
        catch
        {
            foreach (var value in values)
            {
                value?.Dispose();
            }
            throw;
        }
    }

    /// <summary>Tensors [1, k] made once and refilled per row: a single-row request allocates no input.</summary>
    public RowTensors CreateRow()
    {
        var tensors = Enumerable.Range(0, _inputs.Length).Select(i => Allocate(i, 1)).ToArray();
        return new RowTensors(this, tensors.Select(t => t.Value).ToArray(), tensors.Select(t => t.Numbers).ToArray());
    }

    /// <summary>
    /// A tensor [rows, k] for an input; numeric tensors wrap a managed array (returned too), so values are written
    /// straight into it with no call into ONNX Runtime.
    /// </summary>
    private (OrtValue Value, Array? Numbers) Allocate(int input, int rows)
    {
        var k = _columns[input].Length;
        long[] shape = [rows, k];
        switch (_inputs[input].Type)
        {
            case OnnxElementType.String:
                return (OrtValue.CreateTensorWithEmptyStrings(OrtAllocator.DefaultInstance, shape), null);
            case OnnxElementType.Double:
                var doubles = new double[rows * k];
                return (OrtValue.CreateTensorValueFromMemory(doubles, shape), doubles);
            default:
                var floats = new float[rows * k];
                return (OrtValue.CreateTensorValueFromMemory(floats, shape), floats);
        }
    }

    /// <summary>Writes row <paramref name="row"/> of the table into row <paramref name="at"/> of an input's tensor.</summary>
    private void Write(OrtValue tensor, Array? numbers, int input, Table features, int row, int at)
    {
        var columns = _columns[input];
        var k = columns.Length;
        switch (numbers)
        {
            case float[] floats:
                for (var j = 0; j < k; j++)
                {
                    floats[at * k + j] = (float)features.Numeric(columns[j])[row];
                }
                break;
            case double[] doubles:
                for (var j = 0; j < k; j++)
                {
                    doubles[at * k + j] = features.Numeric(columns[j])[row];
                }
                break;
            default:
                for (var j = 0; j < k; j++)
                {
                    tensor.StringTensorSetElementAt(features.Categorical(columns[j])[row].AsSpan(), at * k + j);
                }
                break;
        }
    }

    /// <summary>One row's input tensors, reused call after call by one thread at a time (the scorer pools them).</summary>
    internal sealed class RowTensors(OnnxFeed feed, OrtValue[] values, Array?[] numbers) : IDisposable
    {
        public IReadOnlyList<OrtValue> Values => values;

        public void Load(Table features, int row)
        {
            for (var i = 0; i < values.Length; i++)
            {
                feed.Write(values[i], numbers[i], i, features, row, 0);
            }
        }

        public void Dispose()
        {
            foreach (var value in values)
            {
                value.Dispose();
            }
        }
    }
}
