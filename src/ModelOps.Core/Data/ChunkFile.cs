using System.Text;

namespace ModelOps.Core.Data;

/// <summary>
/// A binary file of table chunks: the run's parsed rows between pipeline steps and its train/holdout files. Strings are
/// stored once per chunk with a code per row; numbers, codes and row numbers are packed by <see cref="ChunkEncoding"/>
/// (typically a third of their 8 bytes each), so reading back is a copy, not a parse, and values come back bit for bit.
/// Layout: <c>MOCHUNK2</c>, the columns (name, kind), then chunks (row count, row numbers, columns), ending with a row
/// count of 0.
/// </summary>
public static class ChunkFile
{
    /// <summary>The extension <see cref="Pipelines.RunStore"/> reads as a chunk file rather than CSV.</summary>
    public const string Extension = ".chunks";

    internal static ReadOnlySpan<byte> Magic => "MOCHUNK2"u8;

    /// <summary>Starts a chunk file on <paramref name="stream"/> (left open).</summary>
    public static ChunkFileWriter CreateWriter(Stream stream, TableSchema schema) => new(stream, schema);

    /// <summary>Reads the header, then the chunks one at a time as the caller enumerates them.</summary>
    /// <param name="reuseArrays">Fill the same arrays for each chunk of the same size: a chunk is then valid only until the
    /// next is read (a streaming pass that keeps nothing of it allocates far less).</param>
    /// <param name="leaveOut">Columns to read past without decoding (names, any case): neither the schema nor the chunks
    /// have them. Their strings are never made.</param>
    /// <exception cref="InvalidDataException">Not a chunk file, or cut short.</exception>
    public static (TableSchema Schema, IEnumerable<TableChunk> Chunks) Read(Stream stream, bool reuseArrays = false, IReadOnlyCollection<string>? leaveOut = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var reader = new BinaryReader(new BufferedStream(stream, 1 << 20), Encoding.UTF8, leaveOpen: true);
        if (!reader.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic))
        {
            throw new InvalidDataException("Not a chunk file, or one written by an older version (its run must be started again).");
        }
        var columns = new ColumnSchema[reader.ReadInt32()];
        for (var c = 0; c < columns.Length; c++)
        {
            columns[c] = new ColumnSchema(reader.ReadString(), (ColumnKind)reader.ReadByte());
        }
        var kept = columns.Select(c => leaveOut?.Contains(c.Name, StringComparer.OrdinalIgnoreCase) != true).ToArray();
        var schema = new TableSchema(columns.Where((_, c) => kept[c]).ToArray());
        return (schema, ReadChunks(reader, columns, kept, schema, reuseArrays));
    }

    /// <summary>Every chunk as one table, with <paramref name="schema"/> (same columns, e.g. with ranges) when given.</summary>
    public static Table ReadTable(Stream stream, TableSchema? schema = null) => ReadTableWithRowNumbers(stream, schema).Table;

    /// <summary>Every chunk as one table, and each row's source row number.</summary>
    public static (Table Table, long[] RowNumbers) ReadTableWithRowNumbers(Stream stream, TableSchema? schema = null)
    {
        var (fileSchema, chunks) = Read(stream, reuseArrays: true);
        var rows = new TableBuilder(fileSchema);
        foreach (var chunk in chunks) rows.Add(chunk.Rows, chunk.RowNumbers);
        return rows.Build(schema ?? fileSchema);
    }

    private static IEnumerable<TableChunk> ReadChunks(BinaryReader reader, ColumnSchema[] fileColumns, bool[] kept, TableSchema schema, bool reuse)
    {
        object[]? previous = null;
        long[]? previousNumbers = null;
        var scratch = Array.Empty<long>();
        var bytes = Array.Empty<byte>();
        var skipped = Array.Empty<double>();
        try
        {
            while (true)
            {
                var rows = reader.ReadInt32();
                if (rows == 0)
                {
                    yield break;
                }
                var same = reuse && previousNumbers?.Length == rows;
                var numbers = same ? previousNumbers! : new long[rows];
                ChunkEncoding.ReadLongs(reader, numbers, ref bytes);
                var columns = same ? previous! : new object[schema.Columns.Count];
                if (scratch.Length < rows) scratch = new long[rows];
                for (int c = 0, at = 0; c < kept.Length; c++)
                {
                    var isString = fileColumns[c].Kind.IsString();
                    if (!kept[c])
                    {
                        if (isString)
                        {
                            SkipStrings(reader, ref bytes);
                            ChunkEncoding.ReadLongs(reader, scratch.AsSpan(0, rows), ref bytes);
                        }
                        else
                        {
                            if (skipped.Length < rows) skipped = new double[rows];
                            ChunkEncoding.ReadNumbers(reader, skipped.AsSpan(0, rows), ref scratch, ref bytes);
                        }
                        continue;
                    }
                    if (isString)
                    {
                        var levels = new string[reader.ReadInt32()];
                        for (var i = 0; i < levels.Length; i++) levels[i] = reader.ReadString();
                        var codes = scratch.AsSpan(0, rows);
                        ChunkEncoding.ReadLongs(reader, codes, ref bytes);
                        var values = same ? (string?[])columns[at] : new string?[rows];
                        for (var r = 0; r < rows; r++) values[r] = codes[r] == ChunkEncoding.Missing ? null : levels[codes[r]];
                        columns[at++] = values;
                    }
                    else
                    {
                        var values = same ? (double[])columns[at] : new double[rows];
                        ChunkEncoding.ReadNumbers(reader, values, ref scratch, ref bytes);
                        columns[at++] = values;
                    }
                }
                if (reuse)
                {
                    previous = columns;
                    previousNumbers = numbers;
                }
                yield return new TableChunk(new Table(schema, columns), numbers);
            }
        }
        finally
        {
            reader.Dispose();
        }
    }

    /// <summary>Reads past a chunk's strings (a count, then each as <see cref="BinaryWriter.Write(string)"/> wrote it).</summary>
    private static void SkipStrings(BinaryReader reader, ref byte[] bytes)
    {
        for (var count = reader.ReadInt32(); count > 0; count--)
        {
            var length = reader.Read7BitEncodedInt();
            if (bytes.Length < length) bytes = new byte[Math.Max(length, 4096)];
            reader.BaseStream.ReadExactly(bytes, 0, length);
        }
    }
}

/// <summary>
/// Writes a <see cref="ChunkFile"/>; see there for the layout. Rows are gathered into chunks of
/// <see cref="RowsPerChunk"/> whatever the sizes written, so a reader can fill the same arrays chunk after chunk.
/// </summary>
public sealed class ChunkFileWriter : IDisposable
{
    public const int RowsPerChunk = 8192;
    // Below this many cells a chunk's columns are encoded one after another; above it side by side.
    private const int ParallelCells = 100_000;
    private readonly BinaryWriter _writer;
    private readonly ColumnEncoder _rowNumbers = new();
    private readonly ColumnEncoder[] _encoders;
    private readonly object[] _staged;
    private readonly long[] _stagedNumbers = new long[RowsPerChunk];
    private int _stagedRows;
    private bool _completed;

    internal ChunkFileWriter(Stream stream, TableSchema schema)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(schema);
        Schema = schema;
        _encoders = schema.Columns.Select(_ => new ColumnEncoder()).ToArray();
        _staged = schema.Columns.Select(c => c.Kind.IsString() ? (object)new string?[RowsPerChunk] : new double[RowsPerChunk]).ToArray();
        _writer = new BinaryWriter(new BufferedStream(stream, 1 << 20), Encoding.UTF8, leaveOpen: true);
        _writer.Write(ChunkFile.Magic);
        _writer.Write(schema.Columns.Count);
        foreach (var column in schema.Columns)
        {
            _writer.Write(column.Name);
            _writer.Write((byte)column.Kind);
        }
    }

    public TableSchema Schema { get; }

    /// <summary>Rows written so far.</summary>
    public long Rows { get; private set; }

    /// <summary>Appends the chunk's rows (all of them, or <paramref name="rows"/> only, in that order).</summary>
    public void Write(Table chunk, ReadOnlySpan<long> rowNumbers, IReadOnlyList<int>? rows = null)
    {
        var count = rows?.Count ?? chunk.RowCount;
        var positions = rows is null ? default : Table.Positions(rows);
        for (var done = 0; done < count;)
        {
            var take = Math.Min(count - done, RowsPerChunk - _stagedRows);
            var at = _stagedRows;
            for (var c = 0; c < _staged.Length; c++)
            {
                switch (chunk.Column(c))
                {
                    case double[] d when rows is null:
                        d.AsSpan(done, take).CopyTo(((double[])_staged[c]).AsSpan(at));
                        break;
                    case double[] d:
                        var numbers = (double[])_staged[c];
                        for (var i = 0; i < take; i++) numbers[at + i] = d[positions[done + i]];
                        break;
                    case string?[] s when rows is null:
                        s.AsSpan(done, take).CopyTo(((string?[])_staged[c]).AsSpan(at));
                        break;
                    case string?[] s:
                        var strings = (string?[])_staged[c];
                        for (var i = 0; i < take; i++) strings[at + i] = s[positions[done + i]];
                        break;
                }
            }
            for (var i = 0; i < take; i++) _stagedNumbers[at + i] = rowNumbers[rows is null ? done + i : positions[done + i]];
            _stagedRows += take;
            done += take;
            if (_stagedRows == RowsPerChunk)
            {
                Flush();
            }
        }
        Rows += count;
    }

    private void Flush()
    {
        var count = _stagedRows;
        _rowNumbers.EncodeLongs(_stagedNumbers.AsSpan(0, count));
        Parallel.For(0, _encoders.Length, new ParallelOptions { MaxDegreeOfParallelism = (long)count * _encoders.Length > ParallelCells ? Environment.ProcessorCount : 1 },
            c => _encoders[c].Encode(_staged[c], count));
        _writer.Write(count);
        _rowNumbers.CopyTo(_writer);
        foreach (var encoder in _encoders)
        {
            encoder.CopyTo(_writer);
        }
        foreach (var column in _staged)
        {
            if (column is string?[] strings) Array.Clear(strings, 0, count); // hold no strings past their chunk
        }
        _stagedRows = 0;
    }

    /// <summary>Writes the last rows and the end mark, and flushes; without it a reader sees a file cut short.</summary>
    public void Complete()
    {
        if (!_completed)
        {
            if (_stagedRows > 0)
            {
                Flush();
            }
            _writer.Write(0);
            _writer.Flush();
            _completed = true;
        }
    }

    public void Dispose() => _writer.Dispose();

    /// <summary>One column's bytes for the chunk being written, and the buffers to make them with (kept from chunk to chunk).</summary>
    private sealed class ColumnEncoder
    {
        private readonly MemoryStream _bytes = new();
        private readonly BinaryWriter _writer;
        private readonly LevelTally _levels = new();
        private long[] _scratch = [];
        private byte[] _packed = [];

        public ColumnEncoder() => _writer = new BinaryWriter(_bytes, Encoding.UTF8, leaveOpen: true);

        public void EncodeLongs(ReadOnlySpan<long> values)
        {
            _bytes.SetLength(0);
            ChunkEncoding.WriteLongs(_writer, values, ref _packed);
        }

        public void Encode(object column, int count)
        {
            _bytes.SetLength(0);
            if (column is double[] numbers)
            {
                ChunkEncoding.WriteNumbers(_writer, numbers.AsSpan(0, count), ref _scratch, ref _packed);
            }
            else
            {
                EncodeStrings(((string?[])column).AsSpan(0, count));
            }
            _writer.Flush();
        }

        private void EncodeStrings(ReadOnlySpan<string?> values)
        {
            _levels.Clear();
            if (_scratch.Length < values.Length) _scratch = new long[Math.Max(values.Length, 1024)];
            for (var i = 0; i < values.Length; i++)
            {
                _scratch[i] = values[i] is { } v ? _levels.CodeOf(v) : ChunkEncoding.Missing;
            }
            _writer.Write(_levels.Count);
            for (var code = 0; code < _levels.Count; code++) _writer.Write(_levels.Level(code));
            ChunkEncoding.WriteLongs(_writer, _scratch.AsSpan(0, values.Length), ref _packed);
        }

        public void CopyTo(BinaryWriter target) => target.Write(_bytes.GetBuffer().AsSpan(0, (int)_bytes.Length));
    }
}
