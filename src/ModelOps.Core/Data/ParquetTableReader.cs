using System.Numerics;
using Parquet;
using Parquet.Schema;

namespace ModelOps.Core.Data;

/// <summary>
/// Reads a Parquet file with Parquet.Net, one row group at a time: numeric types become numeric columns, booleans
/// boolean, dates and timestamps datetime (seconds since the epoch, UTC), strings are inferred like CSV cells.
/// Nested and binary columns are not supported and fail the file with a clear message. A chunked read holds one row
/// group's columns and the current chunk, not the file.
/// </summary>
internal static class ParquetTableReader
{
    private static readonly long UnixEpochTicks = DateTime.UnixEpoch.Ticks;

    public static async Task<CsvReadResult> ReadAsync(Stream stream, byte[] prefix, CsvReadOptions options, CancellationToken cancellationToken) =>
        (await ReadAnyAsync(stream, prefix, options, null, cancellationToken).ConfigureAwait(false)).Whole!;

    /// <summary>Reads chunk by chunk, like <see cref="CsvTableReader.ReadChunksAsync"/>.</summary>
    public static async Task<ChunkedReadResult> ReadChunksAsync(Stream stream, byte[] prefix, CsvReadOptions options, int chunkRows,
        Func<TableChunk, CancellationToken, ValueTask> onChunk, CancellationToken cancellationToken) =>
        (await ReadAnyAsync(stream, prefix, options, new ChunkedRead(chunkRows, onChunk), cancellationToken).ConfigureAwait(false)).Streamed!;

    private static async Task<(CsvReadResult? Whole, ChunkedReadResult? Streamed)> ReadAnyAsync(Stream stream, byte[] prefix, CsvReadOptions options,
        ChunkedRead? chunks, CancellationToken cancellationToken)
    {
        if (!prefix.AsSpan().StartsWith("PAR1"u8))
        {
            throw new DataFileException(DataFileErrorCodes.MalformedParquet,
                prefix.Length == 0 ? "The file is empty: a Parquet file has at least a header and a footer."
                    : "This is not a Parquet file: it does not start with the Parquet magic bytes PAR1.");
        }
        // Parquet keeps its schema in a footer at the end, so it needs a seekable stream: spool to a temporary file.
        var spool = new FileStream(Path.GetTempFileName(), FileMode.Create, FileAccess.ReadWrite, FileShare.None, 64 * 1024,
            FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        await using (spool.ConfigureAwait(false))
        {
            await stream.CopyToAsync(spool, cancellationToken).ConfigureAwait(false);
            spool.Position = 0;
            return await ReadSeekableAsync(spool, options, chunks, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<(CsvReadResult? Whole, ChunkedReadResult? Streamed)> ReadSeekableAsync(Stream stream, CsvReadOptions options,
        ChunkedRead? chunks, CancellationToken cancellationToken)
    {
        // Parquet columns keep the file's own types: only a declared schema overrides them.
        options = options with { UndeclaredKind = null };
        await using var reader = await Decoding(() => ParquetReader.CreateAsync(stream, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var nested = reader.Schema.Fields.Where(f => f is not DataField d || d.IsArray || d.MaxRepetitionLevel > 0).Select(f => f.Name).ToArray();
        if (nested.Length > 0)
        {
            throw new DataFileException(DataFileErrorCodes.UnsupportedFormat,
                $"The Parquet file has nested or list columns ({string.Join(", ", nested.Take(5))}); only flat tables are read. Flatten them first.");
        }
        var fields = reader.Schema.GetDataFields();
        if (fields.Length > options.MaxColumns)
        {
            throw new DataFileException(DataFileErrorCodes.TooManyColumns,
                $"The file has {fields.Length:N0} columns; the limit is {options.MaxColumns:N0}. Drop unused columns or raise the limit.");
        }
        var names = fields.Select(f => f.Name.Trim()).ToArray();
        TableAssembler.CheckUniqueNames(names);
        long rows = 0;
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            rows += await Decoding(() =>
            {
                using var group = reader.OpenRowGroupReader(g);
                return Task.FromResult(group.RowCount);
            }).ConfigureAwait(false);
        }
        if (rows > options.MaxRows)
        {
            throw new DataFileException(DataFileErrorCodes.TooManyRows,
                $"The file has {rows:N0} data rows; the limit is {options.MaxRows:N0}. Sample it or raise the limit.");
        }
        if (rows == 0)
        {
            throw new DataFileException(DataFileErrorCodes.HeaderOnly, "The Parquet file has a schema but no rows.");
        }

        var builders = fields.Select((f, i) => new ColumnBuilder(CsvTableReader.ForcedKind(options, names[i]) ?? NativeKind(f.ClrType))).ToArray();
        var output = chunks?.Output(names, options, cancellationToken);
        await using var feeder = new ColumnFeeder(builders, options.SampleRows, options.MinNumericShare, output);
        var values = new object[fields.Length];
        long row = 0;
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            var count = await Decoding(async () =>
            {
                using var group = reader.OpenRowGroupReader(g);
                for (var c = 0; c < fields.Length; c++)
                {
                    values[c] = await ReadColumnAsync(group, fields[c], (int)group.RowCount, options, cancellationToken).ConfigureAwait(false);
                }
                return (int)group.RowCount;
            }).ConfigureAwait(false);
            // Row by row into the columns, as a text reader feeds them, so chunks and kinds settle the same way.
            for (var r = 0; r < count; r++)
            {
                for (var c = 0; c < values.Length; c++)
                {
                    if (values[c] is double[] numbers)
                    {
                        feeder.AddValue(c, numbers[r]);
                    }
                    else if (((string?[])values[c])[r] is { } text)
                    {
                        feeder.Add(c, text.AsSpan().Trim());
                    }
                    else
                    {
                        feeder.AddMissing(c);
                    }
                }
                await feeder.EndRowAsync(++row).ConfigureAwait(false);
            }
        }
        return await TableAssembler.CompleteAsync(names, feeder, output, options, DataFormats.Parquet, "", "binary", (int)rows, new ReadRejects(null))
            .ConfigureAwait(false);
    }

    /// <summary>Runs a Parquet.Net call; what it throws, short of our own errors, means the file cannot be decoded.</summary>
    private static async Task<T> Decoding<T>(Func<Task<T>> read)
    {
        try
        {
            return await read().ConfigureAwait(false);
        }
        catch (Exception e) when (e is not (DataFileException or OperationCanceledException or OutOfMemoryException))
        {
            throw new DataFileException(DataFileErrorCodes.MalformedParquet,
                $"The Parquet file cannot be read ({e.Message.TrimEnd('.')}). It may be truncated or written by an incompatible tool.", e);
        }
    }

    private static ColumnKind? NativeKind(Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        if (t == typeof(string) || t == typeof(ReadOnlyMemory<char>))
        {
            return null; // inferred from the text, like a CSV cell
        }
        if (t == typeof(bool))
        {
            return ColumnKind.Boolean;
        }
        if (t == typeof(DateTime) || t == typeof(DateTimeOffset) || t == typeof(DateOnly))
        {
            return ColumnKind.Datetime;
        }
        return ColumnKind.Numeric;
    }

    /// <summary>One column of a row group: <c>double[]</c> (NaN where missing or not finite) or <c>string?[]</c>.</summary>
    private static Task<object> ReadColumnAsync(ParquetRowGroupReader group, DataField field, int count, CsvReadOptions options, CancellationToken ct)
    {
        var t = Nullable.GetUnderlyingType(field.ClrType) ?? field.ClrType;
        return t switch
        {
            _ when t == typeof(double) => ReadNumbers<double>(group, field, count, ct),
            _ when t == typeof(float) => ReadNumbers<float>(group, field, count, ct),
            _ when t == typeof(long) => ReadNumbers<long>(group, field, count, ct),
            _ when t == typeof(int) => ReadNumbers<int>(group, field, count, ct),
            _ when t == typeof(short) => ReadNumbers<short>(group, field, count, ct),
            _ when t == typeof(sbyte) => ReadNumbers<sbyte>(group, field, count, ct),
            _ when t == typeof(byte) => ReadNumbers<byte>(group, field, count, ct),
            _ when t == typeof(ushort) => ReadNumbers<ushort>(group, field, count, ct),
            _ when t == typeof(uint) => ReadNumbers<uint>(group, field, count, ct),
            _ when t == typeof(ulong) => ReadNumbers<ulong>(group, field, count, ct),
            _ when t == typeof(decimal) => ReadNumbers<decimal>(group, field, count, ct),
            _ when t == typeof(bool) => ReadMapped<bool>(group, field, count, b => b ? 1 : 0, ct),
            _ when t == typeof(DateTime) => ReadMapped<DateTime>(group, field, count,
                d => (d.ToUniversalTime().Ticks - UnixEpochTicks) / (double)TimeSpan.TicksPerSecond, ct),
            _ when t == typeof(DateTimeOffset) => ReadMapped<DateTimeOffset>(group, field, count,
                d => (d.UtcTicks - UnixEpochTicks) / (double)TimeSpan.TicksPerSecond, ct),
            _ when t == typeof(DateOnly) => ReadMapped<DateOnly>(group, field, count,
                d => (d.ToDateTime(TimeOnly.MinValue).Ticks - UnixEpochTicks) / (double)TimeSpan.TicksPerSecond, ct),
            _ when t == typeof(TimeSpan) => ReadMapped<TimeSpan>(group, field, count, d => d.TotalSeconds, ct),
            _ when t == typeof(string) || t == typeof(ReadOnlyMemory<char>) => ReadStrings(group, field, count, options, ct),
            _ => throw new DataFileException(DataFileErrorCodes.UnsupportedFormat,
                $"Column '{field.Name}' holds {t.Name} values, which are not read; convert it to numbers or strings."),
        };
    }

    private static Task<object> ReadNumbers<T>(ParquetRowGroupReader group, DataField field, int count, CancellationToken ct)
        where T : struct, INumberBase<T> =>
        ReadMapped<T>(group, field, count, v => double.CreateTruncating(v), ct);

    private static async Task<object> ReadMapped<T>(ParquetRowGroupReader group, DataField field, int count, Func<T, double> map,
        CancellationToken ct) where T : struct
    {
        var mapped = new double[count];
        if (!field.IsNullable)
        {
            // A required column is read as such: Parquet.Net 6.1 read into a nullable buffer can report stray nulls for it.
            var required = new T[count];
            await group.ReadAsync<T>(field, required.AsMemory(), null, ct).ConfigureAwait(false);
            for (var r = 0; r < count; r++)
            {
                mapped[r] = map(required[r]);
            }
            return mapped;
        }
        var values = new T?[count];
        await group.ReadAsync<T>(field, values.AsMemory(), null, ct).ConfigureAwait(false);
        for (var r = 0; r < count; r++)
        {
            mapped[r] = values[r] is { } x ? map(x) : double.NaN;
        }
        return mapped;
    }

    private static async Task<object> ReadStrings(ParquetRowGroupReader group, DataField field, int count, CsvReadOptions options, CancellationToken ct)
    {
        var values = new string?[count];
        await group.ReadAsync(field, values.AsMemory(), null, ct).ConfigureAwait(false);
        foreach (var v in values)
        {
            if (v?.Length > options.MaxFieldLength)
            {
                throw new DataFileException(DataFileErrorCodes.FieldTooLong,
                    $"A value of column '{field.Name}' has {v.Length:N0} characters; the limit is {options.MaxFieldLength:N0}.");
            }
        }
        return values;
    }
}
