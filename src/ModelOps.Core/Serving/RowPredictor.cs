using Microsoft.ML;
using Microsoft.ML.Data;
using ModelOps.Core.Data;
using ModelOps.Core.Training;

namespace ModelOps.Core.Serving;

/// <summary>
/// A compiled single-row path through a model, what ML.NET's PredictionEngine is for typed models: the model's row
/// mapper is built once over a reusable input row, so scoring a row costs the model's own work and nothing more.
/// Not thread-safe; <see cref="ModelScorer"/> pools them.
/// </summary>
internal sealed class RowPredictor
{
    private readonly FeatureRow _input;
    private readonly PredictionReader _reader;

    public RowPredictor(TrainedModel model)
    {
        var mapper = model.Transformer.GetRowToRowMapper(model.InputSchema);
        // The mapper checks that rows carry the very schema object it was built for.
        _input = new FeatureRow(mapper.InputSchema);
        var output = mapper.GetRow(_input, PredictionReader.Columns(mapper.OutputSchema, model.Problem.Task));
        _reader = new PredictionReader(output, model.Problem);
    }

    /// <summary>Scores one row of a feature table (columns in the model's feature order).</summary>
    public Prediction Predict(Table features, int row)
    {
        _input.Load(features, row);
        return _reader.Read();
    }

    /// <summary>The input row the mapper reads: the values of one table row, with a new position per row so no transform reuses a cached value.</summary>
    private sealed class FeatureRow(DataViewSchema schema) : DataViewRow
    {
        private readonly float[] _numbers = new float[schema.Count];
        private readonly ReadOnlyMemory<char>[] _texts = new ReadOnlyMemory<char>[schema.Count];
        private long _position = -1;

        public override DataViewSchema Schema => schema;

        public override long Position => _position;

        public override long Batch => 0;

        public void Load(Table features, int row)
        {
            for (var c = 0; c < schema.Count; c++)
            {
                switch (features.Column(c))
                {
                    case double[] numbers:
                        _numbers[c] = (float)numbers[row];
                        break;
                    case string?[] texts:
                        _texts[c] = (texts[row] ?? string.Empty).AsMemory();
                        break;
                }
            }
            _position++;
        }

        public override bool IsColumnActive(DataViewSchema.Column column) => true;

        public override ValueGetter<DataViewRowId> GetIdGetter() =>
            (ref DataViewRowId value) => value = new DataViewRowId((ulong)_position, 0);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            var index = column.Index;
            Delegate getter = column.Type is TextDataViewType
                ? (ValueGetter<ReadOnlyMemory<char>>)((ref ReadOnlyMemory<char> value) => value = _texts[index])
                : (ValueGetter<float>)((ref float value) => value = _numbers[index]);
            return getter as ValueGetter<TValue>
                ?? throw new InvalidOperationException($"Column '{column.Name}' is {column.Type}, not {typeof(TValue).Name}.");
        }
    }
}
