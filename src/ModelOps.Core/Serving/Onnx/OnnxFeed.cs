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
                var shape = new long[] { features.RowCount, _columns[i].Length };
                values[i] = _inputs[i].Type switch
                {
                    OnnxElementType.String => OrtValue.CreateTensorWithEmptyStrings(OrtAllocator.DefaultInstance, shape),
                    OnnxElementType.Double => OrtValue.CreateTensorValueFromMemory(new double[features.RowCount * _columns[i].Length], shape),
                    _ => OrtValue.CreateTensorValueFromMemory(new float[features.RowCount * _columns[i].Length], shape),
                };
                for (var r = 0; r < features.RowCount; r++)
                {
                    Write(values[i], i, features, r, r);
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
        var values = _inputs.Select(input =>
        {
            long[] shape = [1, input.Columns.Count];
            return input.Type switch
            {
                OnnxElementType.String => OrtValue.CreateTensorWithEmptyStrings(OrtAllocator.DefaultInstance, shape),
                OnnxElementType.Double => OrtValue.CreateTensorValueFromMemory(new double[input.Columns.Count], shape),
                _ => OrtValue.CreateTensorValueFromMemory(new float[input.Columns.Count], shape),
            };
        }).ToArray();
        return new RowTensors(this, values);
    }

    /// <summary>Writes row <paramref name="row"/> of the table into row <paramref name="at"/> of input <paramref name="input"/>'s tensor.</summary>
    private void Write(OrtValue tensor, int input, Table features, int row, int at)
    {
        var columns = _columns[input];
        var k = columns.Length;
        switch (_inputs[input].Type)
        {
            case OnnxElementType.String:
                for (var j = 0; j < k; j++)
                {
                    tensor.StringTensorSetElementAt(features.Categorical(columns[j])[row].AsSpan(), at * k + j);
                }
                break;
            case OnnxElementType.Double:
                var doubles = tensor.GetTensorMutableDataAsSpan<double>();
                for (var j = 0; j < k; j++)
                {
                    doubles[at * k + j] = features.Numeric(columns[j])[row];
                }
                break;
            default:
                var floats = tensor.GetTensorMutableDataAsSpan<float>();
                for (var j = 0; j < k; j++)
                {
                    floats[at * k + j] = (float)features.Numeric(columns[j])[row];
                }
                break;
        }
    }

    /// <summary>One row's input tensors, reused call after call by one thread at a time (the scorer pools them).</summary>
    internal sealed class RowTensors(OnnxFeed feed, OrtValue[] values) : IDisposable
    {
        public IReadOnlyList<OrtValue> Values => values;

        public void Load(Table features, int row)
        {
            for (var i = 0; i < values.Length; i++)
            {
                feed.Write(values[i], i, features, row, 0);
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
