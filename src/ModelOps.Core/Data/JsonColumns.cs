namespace ModelOps.Core.Data;

/// <summary>Where a JSON key's values go: a column of the read, or the sample of a key met too late to be one.</summary>
internal readonly record struct JsonTarget(int Column, ColumnBuilder? Sample);

/// <summary>
/// The columns of a JSON-lines read, by key (ignoring case). A key first met after the first chunk has gone cannot join
/// the stream's columns: its values go to a sample instead, which tells its kind for the next read (<see cref="LateColumns"/>).
/// </summary>
internal sealed class JsonColumns(ColumnFeeder feeder, List<string> names, CsvReadOptions options)
{
    private readonly Dictionary<string, int> _index = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, ColumnBuilder> _late = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<string> _lateOrder = [];

    public List<string> Names => names;

    public int Count => names.Count;

    public ColumnFeeder Feeder => feeder;

    /// <summary>Where the values of <paramref name="key"/> go, if it is known already.</summary>
    public bool TryFind(string key, out JsonTarget target)
    {
        if (_index.TryGetValue(key, out var column))
        {
            target = new JsonTarget(column, null);
            return true;
        }
        target = new JsonTarget(-1, _late.GetValueOrDefault(key));
        return target.Sample is not null;
    }

    /// <summary>Where the values of <paramref name="key"/> go: its column, made if new while columns may still be added, else a late key's sample.</summary>
    public JsonTarget Find(string key)
    {
        if (TryFind(key, out var target))
        {
            return target;
        }
        if (feeder.ColumnsOpen)
        {
            return new JsonTarget(Add(key, null), null);
        }
        CheckRoom(names.Count + _late.Count);
        var sample = _late[key] = new ColumnBuilder(CsvTableReader.ForcedKind(options, key));
        _lateOrder.Add(key);
        return new JsonTarget(-1, sample);
    }

    /// <summary>The builder for a value of this line: the column's, or the late key's sample until it is full (null then).</summary>
    public ColumnBuilder? Builder(JsonTarget target) =>
        target.Column >= 0 ? feeder.Builders[target.Column] : target.Sample!.Count < options.SampleRows ? target.Sample : null;

    /// <summary>A new column, missing in the rows before this one.</summary>
    public int Add(string key, ColumnKind? kindIfEmpty)
    {
        CheckRoom(names.Count);
        var column = names.Count;
        names.Add(key.Length == 0 ? $"column_{column + 1}" : key);
        _index[key] = column;
        feeder.AddColumn(new ColumnBuilder(CsvTableReader.ForcedKind(options, key), kindIfEmpty));
        return column;
    }

    /// <summary>The late keys in the order met, each with the kind its sampled values read as.</summary>
    public IReadOnlyList<ColumnSchema> LateColumns() =>
        _lateOrder.Select(key => new ColumnSchema(key, _late[key].Build(options.MinNumericShare, options.InferText).Kind)).ToArray();

    private void CheckRoom(int columns)
    {
        if (columns == options.MaxColumns)
        {
            throw new DataFileException(DataFileErrorCodes.TooManyColumns,
                $"The JSON objects have more than {options.MaxColumns:N0} distinct keys, the column limit. Drop unused keys or raise the limit.");
        }
    }
}
