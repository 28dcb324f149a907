using Microsoft.ML;
using Microsoft.ML.Data;
using ModelOps.Core.Data;

namespace ModelOps.Core.Training;

/// <summary>
/// An <see cref="IDataView"/> over a <see cref="Table"/>, without copies or temp files: features keep their
/// column names (numeric and boolean as Single, categorical as text) and the label, when asked for, is
/// already in the type its task's trainers want, so a saved model never depends on a label column.
/// </summary>
internal sealed class TableDataView : IDataView
{
    /// <summary>Reserved names, unlikely to clash with a data column.</summary>
    public const string LabelColumn = "__label__";

    /// <summary>Each row's example weight, when the problem has one.</summary>
    public const string WeightColumn = "__weight__";

    private readonly object[] _columns;
    private readonly int _rows;

    private TableDataView(DataViewSchema schema, object[] columns, int rows)
    {
        Schema = schema;
        _columns = columns;
        _rows = rows;
    }

    public bool CanShuffle => false;

    public DataViewSchema Schema { get; }

    /// <summary>The features only: what a model is saved with and what scoring supplies.</summary>
    public static TableDataView Features(Table table, IReadOnlyList<string> features) => Create(table, features, null);

    /// <summary>The features and the label, encoded for the problem's task.</summary>
    public static TableDataView Labelled(Table table, TrainingProblem problem) => Create(table, problem.Features, problem);

    public long? GetRowCount() => _rows;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var active = new bool[_columns.Length];
        foreach (var column in columnsNeeded)
        {
            active[column.Index] = true;
        }
        return new Cursor(this, active);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private static TableDataView Create(Table table, IReadOnlyList<string> features, TrainingProblem? problem)
    {
        var builder = new DataViewSchema.Builder();
        var columns = new List<object>();
        foreach (var name in features)
        {
            var index = table.Schema.IndexOf(name);
            if (index < 0)
            {
                throw new TrainingProblemException($"The data lacks the feature column '{name}'.");
            }
            var column = table.Schema.Columns[index];
            builder.AddColumn(column.Name, column.Kind == ColumnKind.Categorical ? TextDataViewType.Instance : NumberDataViewType.Single);
            columns.Add(table.Column(index));
        }
        if (problem is not null)
        {
            AddLabel(builder, columns, table, problem);
            if (problem.Weight is { } weight)
            {
                AddWeight(builder, columns, table, weight);
            }
        }
        return new TableDataView(builder.ToSchema(), [.. columns], table.RowCount);
    }

    private static void AddLabel(DataViewSchema.Builder builder, List<object> columns, Table table, TrainingProblem problem)
    {
        var index = table.Schema.IndexOf(problem.Label);
        if (index < 0)
        {
            throw new TrainingProblemException($"The data lacks the label column '{problem.Label}'.");
        }
        var kind = table.Schema.Columns[index].Kind;
        var raw = table.Column(index);
        var rows = Enumerable.Range(0, table.RowCount);
        switch (problem.Task)
        {
            case LearningTask.Regression:
                builder.AddColumn(LabelColumn, NumberDataViewType.Single);
                columns.Add(((double[])raw).Select(v => (float)v).ToArray());
                break;
            case LearningTask.Binary:
                builder.AddColumn(LabelColumn, BooleanDataViewType.Instance);
                columns.Add(rows.Select(r => string.Equals(LabelValues.Text(kind, raw, r), problem.PositiveClass, StringComparison.Ordinal)).ToArray());
                break;
            default:
                var classes = problem.Classes ?? throw new TrainingProblemException("A multiclass problem must list its classes.");
                var keys = classes.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => (uint)(x.i + 1), StringComparer.Ordinal);
                var annotations = new DataViewSchema.Annotations.Builder();
                ValueGetter<VBuffer<ReadOnlyMemory<char>>> keyValues = (ref VBuffer<ReadOnlyMemory<char>> value) =>
                    value = new VBuffer<ReadOnlyMemory<char>>(classes.Count, classes.Select(c => c.AsMemory()).ToArray());
                // "KeyValues" is the annotation ML.NET reads to turn predicted keys back into class names.
                annotations.Add("KeyValues", new VectorDataViewType(TextDataViewType.Instance, classes.Count), keyValues);
                builder.AddColumn(LabelColumn, new KeyDataViewType(typeof(uint), classes.Count), annotations.ToAnnotations());
                // A value outside the classes becomes key 0, ML.NET's "missing", which trainers and evaluators skip.
                columns.Add(rows.Select(r => LabelValues.Text(kind, raw, r) is { } text && keys.TryGetValue(text, out var key) ? key : 0u).ToArray());
                break;
        }
    }

    private static void AddWeight(DataViewSchema.Builder builder, List<object> columns, Table table, string name)
    {
        var index = table.Schema.IndexOf(name);
        if (index < 0 || table.Schema.Columns[index].Kind != ColumnKind.Numeric)
        {
            throw new TrainingProblemException($"The data lacks the numeric weight column '{name}'.");
        }
        builder.AddColumn(WeightColumn, NumberDataViewType.Single);
        // A row without a weight counts once; a negative weight would turn the loss around, so it is not taken either.
        columns.Add(table.Numeric(index).Select(w => double.IsFinite(w) && w >= 0 ? (float)w : 1f).ToArray());
    }

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly TableDataView _view;
        private readonly bool[] _active;
        private int _row = -1;

        public Cursor(TableDataView view, bool[] active)
        {
            _view = view;
            _active = active;
        }

        public override DataViewSchema Schema => _view.Schema;

        public override long Position => _row;

        public override long Batch => 0;

        public override bool IsColumnActive(DataViewSchema.Column column) => _active[column.Index];

        public override bool MoveNext()
        {
            if (_row + 1 < _view._rows)
            {
                _row++;
                return true;
            }
            _row = _view._rows;
            return false;
        }

        public override ValueGetter<DataViewRowId> GetIdGetter() =>
            (ref DataViewRowId value) => value = new DataViewRowId((ulong)_row, 0);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (!_active[column.Index])
            {
                throw new InvalidOperationException($"Column '{column.Name}' was not asked for when the cursor was made.");
            }
            Delegate getter = _view._columns[column.Index] switch
            {
                double[] d => (ValueGetter<float>)((ref float v) => v = (float)d[_row]),
                string?[] s => (ValueGetter<ReadOnlyMemory<char>>)((ref ReadOnlyMemory<char> v) => v = (s[_row] ?? string.Empty).AsMemory()),
                float[] f => (ValueGetter<float>)((ref float v) => v = f[_row]),
                bool[] b => (ValueGetter<bool>)((ref bool v) => v = b[_row]),
                uint[] k => (ValueGetter<uint>)((ref uint v) => v = k[_row]),
                _ => throw new InvalidOperationException("Unexpected column storage."),
            };
            return getter as ValueGetter<TValue>
                ?? throw new InvalidOperationException($"Column '{column.Name}' is {column.Type}, not {typeof(TValue).Name}.");
        }
    }
}
