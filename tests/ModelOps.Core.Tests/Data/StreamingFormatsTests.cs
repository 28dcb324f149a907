using System.Globalization;
using System.Text;
using System.Text.Json;
using ModelOps.Core.Data;
using Parquet;
using Parquet.Schema;

namespace ModelOps.Core.Tests.Data;

/// <summary>JSON lines and Parquet stream in chunks like CSV: the same rows as a whole read, without holding the file.</summary>
public sealed class StreamingFormatsTests
{
    private static readonly CsvReadOptions Options = new() { SampleRows = 200 };

    /// <summary>People as JSON lines: keys in varying order, some left out or null, booleans, and every 50th row a category.</summary>
    private static byte[] JsonLines(int rows, Func<int, string?>? extra = null)
    {
        var random = new Random(5);
        var text = new StringBuilder();
        for (var i = 0; i < rows; i++)
        {
            var fields = new List<string>
            {
                $"\"age\": {(random.NextDouble() < 0.05 ? "null" : (18 + random.Next(60)).ToString(CultureInfo.InvariantCulture))}",
                $"\"income\": {Math.Round(random.NextDouble() * 9000, 2).ToString(CultureInfo.InvariantCulture)}",
                $"\"vip\": {(random.Next(2) == 0 ? "true" : "false")}",
            };
            if (random.NextDouble() > 0.1)
            {
                fields.Add($"\"city\": {JsonSerializer.Serialize(new[] { "oslo", "rome", " riga " }[random.Next(3)])}");
            }
            if (extra?.Invoke(i) is { } more)
            {
                fields.Add(more);
            }
            text.Append('{').AppendJoin(", ", random.Next(2) == 0 ? fields : Enumerable.Reverse(fields)).Append("}\n");
        }
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private static async Task<(List<TableChunk> Chunks, ChunkedReadResult Read, long FirstChunkAt)> Chunks(
        byte[] bytes, string file, int chunkRows, CsvReadOptions? options = null)
    {
        var chunks = new List<TableChunk>();
        var source = new CountingStream(bytes);
        long firstChunkAt = -1;
        var read = await DataFileReader.ReadChunksAsync(source, file, options ?? Options, null, (chunk, _) =>
        {
            if (chunks.Count == 0) firstChunkAt = source.BytesRead;
            chunks.Add(new TableChunk(new Table(chunk.Rows.Schema, chunk.Rows.Slice(0, chunk.Rows.RowCount)), [.. chunk.RowNumbers]));
            return ValueTask.CompletedTask;
        }, chunkRows);
        return (chunks, read, firstChunkAt);
    }

    private static void AssertSameRows(CsvReadResult whole, IReadOnlyList<TableChunk> chunks, ChunkedReadResult read)
    {
        Assert.True(chunks.Count >= 3, $"{chunks.Count} chunks");
        Assert.Equal(whole.Table.Schema.Columns.Select(c => (c.Name, c.Kind)), read.Schema.Columns.Select(c => (c.Name, c.Kind)));
        Assert.All(chunks, c => Assert.Same(read.Schema, c.Rows.Schema));
        Assert.Equal(whole.RowNumbers, chunks.SelectMany(c => c.RowNumbers));
        var row = 0;
        foreach (var chunk in chunks)
        {
            for (var r = 0; r < chunk.Rows.RowCount; r++, row++)
            {
                for (var c = 0; c < whole.Table.ColumnCount; c++)
                {
                    Assert.True(CellText.Format(whole.Table, c, row) == CellText.Format(chunk.Rows, c, r),
                        $"row {row} ({chunk.RowNumbers[r]}), column {whole.Table.Schema.Columns[c].Name}: {CellText.Format(whole.Table, c, row)} read whole, {CellText.Format(chunk.Rows, c, r)} in chunks");
                }
            }
        }
        Assert.Equal(whole.Table.RowCount, row);
        Assert.Equal(whole.Report.Columns.Select(c => (c.Missing, c.Unparseable)), read.Report.Columns.Select(c => (c.Missing, c.Unparseable)));
    }

    [Fact]
    public async Task Json_lines_stream_in_chunks_with_the_rows_of_a_whole_read()
    {
        // Long enough that what the reader may have read ahead when the first chunk arrives (three chunks out, and its
        // read buffer: about 600 KB here) is well under half the file, however late the consumer's thread gets to run.
        var bytes = JsonLines(40_000);
        var whole = await DataFileReader.ReadAsync(new MemoryStream(bytes), "people.jsonl", Options);

        var (chunks, read, firstChunkAt) = await Chunks(bytes, "people.jsonl", 2_048);

        AssertSameRows(whole, chunks, read);
        Assert.Equal(["age", "city", "income", "vip"], read.Schema.Columns.Select(c => c.Name).Order());
        Assert.Empty(read.LateColumns);
        Assert.False(read.MustReread);
        // The first chunk left while most of the file was still unread.
        Assert.InRange(firstChunkAt, 1, bytes.Length / 2);
    }

    [Fact]
    public async Task A_json_key_first_met_after_the_first_chunk_is_named_for_a_second_read_that_has_it()
    {
        var bytes = JsonLines(6_000, i => i >= 5_000 ? $"\"referrer\": \"ad{i % 3}\"" : null);

        var (chunks, read, _) = await Chunks(bytes, "people.jsonl", 2_048);

        // Its values were sampled, so the next read knows it holds words, not numbers.
        Assert.Equal([new ColumnSchema("referrer", ColumnKind.Categorical)], read.LateColumns);
        Assert.True(read.MustReread);
        Assert.DoesNotContain("referrer", read.Schema.Columns.Select(c => c.Name));
        Assert.Equal(6_000, chunks.Sum(c => c.Rows.RowCount)); // the other keys of those rows still came

        ColumnSchema[] known = [.. read.Schema.Columns, .. read.LateColumns];
        var (again, second, _) = await Chunks(bytes, "people.jsonl", 2_048, Options with { KnownColumns = known });
        Assert.False(second.MustReread);
        Assert.Equal(known.Select(c => (c.Name, c.Kind)), second.Schema.Columns.Select(c => (c.Name, c.Kind)));
        var referrer = again.SelectMany(c => c.Rows.Categorical("referrer")).ToArray();
        Assert.All(referrer[..5_000], Assert.Null);
        Assert.Equal("ad1", referrer[5_002]);
    }

    [Fact]
    public async Task A_late_json_key_with_numbers_is_read_again_as_numbers()
    {
        var bytes = JsonLines(6_000, i => i >= 5_000 ? $"\"visits\": {i % 7}" : null);

        var (_, read, _) = await Chunks(bytes, "people.jsonl", 2_048);
        var (again, second, _) = await Chunks(bytes, "people.jsonl", 2_048, Options with { KnownColumns = [.. read.Schema.Columns, .. read.LateColumns] });

        Assert.Equal([new ColumnSchema("visits", ColumnKind.Numeric)], read.LateColumns);
        Assert.False(second.MustReread);
        var visits = again.SelectMany(c => c.Rows.Numeric("visits")).ToArray();
        Assert.True(double.IsNaN(visits[4_999]));
        Assert.Equal(5_001 % 7, visits[5_001]);
    }

    [Fact]
    public async Task Keys_first_met_late_count_towards_the_column_limit()
    {
        // Every late line brings a new key: each would hold a sample, so they are limited like columns.
        var bytes = JsonLines(3_000, i => i >= 2_500 ? $"\"k{i}\": 1" : null);

        var error = await Assert.ThrowsAsync<DataFileException>(() => Chunks(bytes, "people.jsonl", 2_048, Options with { MaxColumns = 50 }));

        Assert.Equal(DataFileErrorCodes.TooManyColumns, error.Code);
    }

    [Fact]
    public async Task Parquet_streams_a_row_group_at_a_time_with_the_rows_of_a_whole_read()
    {
        var bytes = await Parquet(groups: 3, rowsPerGroup: 3_000);
        var whole = await DataFileReader.ReadAsync(new MemoryStream(bytes), "people.parquet", Options);

        var (chunks, read, _) = await Chunks(bytes, "people.parquet", 2_048);

        AssertSameRows(whole, chunks, read);
        Assert.Equal(Enumerable.Range(1, 9_000).Select(i => (long)i), chunks.SelectMany(c => c.RowNumbers));
        Assert.Equal([ColumnKind.Numeric, ColumnKind.Numeric, ColumnKind.Categorical, ColumnKind.Categorical], read.Schema.Columns.Select(c => c.Kind));
        // Every value where it was written: required columns with no stray nulls, nulls of optional ones in their rows.
        var rows = Enumerable.Range(0, 9_000).ToArray();
        Assert.Equal(rows.Select(i => (double)i), whole.Table.Numeric("id"));
        Assert.Equal(rows.Select(i => i % 11 == 0 ? double.NaN : i * 0.25), whole.Table.Numeric("score"));
        Assert.Equal(rows.Select(i => i % 13 == 0 ? null : new[] { "basic", "pro", "team" }[i % 3]), whole.Table.Categorical("plan"));
        Assert.Equal(rows.Select(i => i % 2 == 0 ? "gold" : "silver"), whole.Table.Categorical("tier"));
    }

    [Fact]
    public async Task A_required_parquet_column_has_no_stray_nulls_whatever_the_pooled_buffers_held()
    {
        var bytes = await Parquet(groups: 2, rowsPerGroup: 3_000);
        // Parquet.Net 6.1 read a required column into a nullable buffer through pooled level buffers that it did not
        // clear: zeros left there by earlier work came out as nulls.
        foreach (var size in new[] { 1_024, 2_048, 4_096, 8_192 })
        {
            var buffer = System.Buffers.ArrayPool<int>.Shared.Rent(size);
            Array.Clear(buffer);
            System.Buffers.ArrayPool<int>.Shared.Return(buffer);
        }

        var read = await DataFileReader.ReadAsync(new MemoryStream(bytes), "people.parquet", Options);

        Assert.Equal(Enumerable.Range(0, 6_000).Select(i => (double)i), read.Table.Numeric("id"));
    }

    [Fact]
    public async Task A_failing_consumer_of_parquet_chunks_is_not_mistaken_for_a_broken_file()
    {
        var bytes = await Parquet(groups: 2, rowsPerGroup: 3_000);

        var failure = await Assert.ThrowsAsync<InvalidDataException>(async () =>
            await DataFileReader.ReadChunksAsync(new MemoryStream(bytes), "people.parquet", Options, null,
                (_, _) => throw new InvalidDataException("the consumer gave up"), 1_000));

        Assert.Equal("the consumer gave up", failure.Message);
    }

    private static async Task<byte[]> Parquet(int groups, int rowsPerGroup)
    {
        var id = new DataField<long>("id");
        var score = new DataField<double?>("score");
        var plan = new DataField<string>("plan");
        var tier = new DataField("tier", typeof(string), isNullable: false);
        using var stream = new MemoryStream();
        await using (var writer = await ParquetWriter.CreateAsync(new ParquetSchema(id, score, plan, tier), stream))
        {
            for (var g = 0; g < groups; g++)
            {
                var rows = Enumerable.Range(g * rowsPerGroup, rowsPerGroup).ToArray();
                using var group = writer.CreateRowGroup();
                await group.WriteAsync<long>(id, rows.Select(i => (long)i).ToArray().AsMemory());
                await group.WriteAsync<double>(score, rows.Select(i => i % 11 == 0 ? (double?)null : i * 0.25).ToArray().AsMemory());
                await group.WriteAsync(plan, rows.Select(i => i % 13 == 0 ? null : new[] { "basic", "pro", " team " }[i % 3]).ToArray());
                await group.WriteAsync(tier, rows.Select(i => i % 2 == 0 ? "gold" : "silver").ToArray());
            }
        }
        return stream.ToArray();
    }

    /// <summary>A forward-only stream that counts what has been read from it.</summary>
    private sealed class CountingStream(byte[] bytes) : Stream
    {
        private readonly MemoryStream _inner = new(bytes);

        public long BytesRead => _inner.Position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _inner.Position; set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, Math.Min(count, 16 * 1024));
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
