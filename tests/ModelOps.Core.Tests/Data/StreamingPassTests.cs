using System.Globalization;
using System.Text;
using ModelOps.Core.Data;

namespace ModelOps.Core.Tests.Data;

public sealed class StreamingPassTests
{
    /// <summary>A CSV with numbers, categories, booleans, dates, ~3% missing cells, some missing labels and duplicate rows.</summary>
    private static string Csv(int rows, int seed = 7)
    {
        var random = new Random(seed);
        var text = new StringBuilder("id,x,y,city,flag,day,label\n");
        string? previous = null;
        for (var i = 0; i < rows; i++)
        {
            if (previous is not null && random.NextDouble() < 0.03)
            {
                text.Append(previous);
                continue;
            }
            string Cell(string value) => random.NextDouble() < 0.03 ? "" : value;
            var line = string.Join(',', i.ToString(CultureInfo.InvariantCulture),
                Cell(Math.Round(random.NextDouble() * 100 - 20, 3).ToString(CultureInfo.InvariantCulture)),
                Cell((random.Next(1000) * (random.NextDouble() < 0.01 ? 100 : 1)).ToString(CultureInfo.InvariantCulture)),
                Cell(new[] { "oslo", "rome", "riga", "=cmd" }[random.Next(4)]),
                Cell(random.Next(2) == 0 ? "true" : "false"),
                Cell(new DateTime(2020, 1, 1).AddDays(random.Next(900)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
                random.NextDouble() < 0.02 ? "" : random.Next(2) == 0 ? "yes" : "no") + "\n";
            text.Append(line);
            previous = line;
        }
        return text.ToString();
    }

    private static async Task<(List<TableChunk> Chunks, ChunkedReadResult Read)> Chunks(string csv, int chunkRows)
    {
        var chunks = new List<TableChunk>();
        var read = await DataFileReader.ReadChunksAsync(new MemoryStream(Encoding.UTF8.GetBytes(csv)), "data.csv",
            new CsvReadOptions { SampleRows = 200 }, null, (chunk, _) =>
            {
                // Chunks are lent for the call: keep copies.
                chunks.Add(new TableChunk(new Table(chunk.Rows.Schema, chunk.Rows.Slice(0, chunk.Rows.RowCount)), [.. chunk.RowNumbers]));
                return ValueTask.CompletedTask;
            }, chunkRows);
        return (chunks, read);
    }

    /// <summary>The rows of a chunk the pass kept (<paramref name="keep"/> null: all of them).</summary>
    private static TableChunk Kept(TableChunk chunk, IReadOnlyList<int>? keep) =>
        keep is null ? chunk : new TableChunk(chunk.Rows.SelectRows(keep), keep.Select(r => chunk.RowNumbers[r]).ToArray());

    [Fact]
    public async Task A_spilled_pass_keeps_no_rejected_row_in_memory_and_its_spill_reads_back_the_same_rows()
    {
        var (chunks, _) = await Chunks(Csv(20_000), 4096);
        var inMemory = new DataPass(chunks[0].Rows.Schema, "label");
        using var spill = new MemoryStream();
        var spilled = new DataPass(chunks[0].Rows.Schema, "label", rejected: new RejectedRowLog(spill));
        foreach (var chunk in chunks)
        {
            Assert.Equal(inMemory.Add(chunk), spilled.Add(chunk));
        }
        var expected = inMemory.Finish();
        var found = spilled.Finish();

        Assert.True(expected.Rejected.Count > 500, $"only {expected.Rejected.Count} rows set aside");
        Assert.Equal(expected.Rejected.Count, expected.RejectedCount);
        Assert.Empty(found.Rejected);
        Assert.Equal(expected.RejectedCount, found.RejectedCount);
        spill.Position = 0;
        var read = new List<RejectedRow>();
        await foreach (var row in RejectedRowLog.ReadAsync(spill))
        {
            read.Add(row);
        }
        Assert.Equal(expected.Rejected.Select(r => (r.RowNumber, r.Reason, string.Join('|', r.Values.Select(v => v ?? "<null>")))),
            read.Select(r => (r.RowNumber, r.Reason, string.Join('|', r.Values.Select(v => v ?? "<null>")))));
        Assert.Contains(read, r => r.Values.Contains(null)); // missing cells stay missing
    }

    [Fact]
    public async Task A_failing_chunk_consumer_stops_the_read_with_its_own_exception()
    {
        // The consumer runs on another thread than the parser: its failure must still reach the caller, and soon.
        var delivered = 0;
        var failure = await Assert.ThrowsAsync<InvalidDataException>(async () =>
            await DataFileReader.ReadChunksAsync(new MemoryStream(Encoding.UTF8.GetBytes(Csv(20_000))), "data.csv",
                new CsvReadOptions { SampleRows = 200 }, null, (chunk, _) =>
                {
                    if (++delivered == 2) throw new InvalidDataException("the consumer gave up");
                    return ValueTask.CompletedTask;
                }, chunkRows: 1_000));
        Assert.Equal("the consumer gave up", failure.Message);
        Assert.InRange(delivered, 2, 2); // nothing after the failure was handed to it
    }

    [Fact]
    public async Task Chunked_read_gives_the_rows_and_report_of_a_whole_read()
    {
        var csv = Csv(20_000);
        var whole = await CsvFiles.Read(csv, new CsvReadOptions { SampleRows = 200 });
        var (chunks, read) = await Chunks(csv, 4096);

        Assert.True(chunks.Count >= 4);
        Assert.Empty(read.ColumnsToReread);
        Assert.Equal(whole.Table.Schema.Columns.Select(c => c.Kind), read.Schema.Columns.Select(c => c.Kind));
        Assert.Equal(whole.RowNumbers, chunks.SelectMany(c => c.RowNumbers));
        for (var c = 0; c < whole.Table.ColumnCount; c++)
        {
            for (var r = 0; r < whole.Table.RowCount; r++)
            {
                var at = r;
                var chunk = chunks.First(k => { if (at < k.Rows.RowCount) return true; at -= k.Rows.RowCount; return false; });
                Assert.Equal(CellText.Format(whole.Table, c, r), CellText.Format(chunk.Rows, c, at));
            }
        }
        Assert.Equal(whole.Report.Columns.Select(c => (c.Missing, c.Unparseable)), read.Report.Columns.Select(c => (c.Missing, c.Unparseable)));
    }

    [Fact]
    public async Task A_kind_that_does_not_hold_past_the_first_chunk_asks_for_a_second_read()
    {
        var csv = "a,label\n" + string.Concat(Enumerable.Range(0, 12_000).Select(i => $"{(i < 9_000 ? "yes" : "maybe")},{i % 2}\n"));
        var (_, read) = await Chunks(csv, 4096);
        Assert.Equal(["a"], read.ColumnsToReread);
    }

    [Theory]
    [InlineData(OutlierMethod.None)]
    [InlineData(OutlierMethod.Quantile)]
    [InlineData(OutlierMethod.Iqr)]
    public async Task Chunked_profile_validation_and_cleaning_match_the_whole_table(OutlierMethod outliers)
    {
        var csv = Csv(20_000);
        var whole = await CsvFiles.Read(csv, new CsvReadOptions { SampleRows = 200 });
        var options = new CleaningOptions { Outliers = outliers };
        var context = new ValidationContext("label", whole.Report);
        var profile = Profiler.Profile(whole.Table);
        var validation = DataValidator.Validate(whole.Table, context, profile: profile);
        var cleaned = Cleaner.Clean(whole.Table, "label", options, whole.RowNumbers);

        var (chunks, _) = await Chunks(csv, 4096);
        Assert.True(chunks.Count >= 4);
        var pass = new DataPass(chunks[0].Rows.Schema, "label", options, context);
        var keep = chunks.Select(pass.Add).ToList();
        var found = pass.Finish();
        // Nothing held out: the cleaned rows as one side, to compare with the whole table's cleaning.
        var cleanedRows = new CleanedRows(chunks[0].Rows.Schema, found.Plan!, new HoldoutSplit(0, 1, Stratify: false));
        var rows = chunks.Select((chunk, i) => cleanedRows.Split(Kept(chunk, keep[i])).Take(SplitSide.Train).Rows).ToList();
        var (report, schema) = (found.Cleaning!, found.CleanedSchema!);
        Assert.All(report.Clips ?? [], c => Assert.False(c.Estimated));

        Assert.Equal(validation.Anomalies.Select(a => (a.Code, a.Column, a.Count)), found.Validation.Anomalies.Select(a => (a.Code, a.Column, a.Count)));
        foreach (var (expected, actual) in profile.Features.Zip(found.Profile.Features))
        {
            Assert.Equal((expected.Count, expected.Missing, expected.Min, expected.Max, expected.Distinct), (actual.Count, actual.Missing, actual.Min, actual.Max, actual.Distinct));
            Assert.Equal(expected.Mean ?? 0, actual.Mean ?? 0, 9);
            Assert.Equal(expected.Std ?? 0, actual.Std ?? 0, 9);
            Assert.Equal(expected.Quantiles, actual.Quantiles);
            Assert.Equal(expected.Histogram?.Counts, actual.Histogram?.Counts);
            Assert.Equal(expected.TopCategories, actual.TopCategories);
        }
        Assert.Equal(cleaned.Rejected.Select(r => (r.RowNumber, r.Reason)), found.Rejected.Select(r => (r.RowNumber, r.Reason)));
        Assert.Equal(cleaned.Report.Imputations, report.Imputations);
        Assert.Equal(cleaned.Report.Clips ?? [], report.Clips ?? []);
        Assert.Equal((cleaned.Report.RowsIn, cleaned.Report.RowsOut, cleaned.Report.DuplicateRowsDropped, cleaned.Report.MissingLabelRowsDropped),
            (report.RowsIn, report.RowsOut, report.DuplicateRowsDropped, report.MissingLabelRowsDropped));
        Assert.Equal(cleaned.Report.ConstantColumns, report.ConstantColumns);
        Assert.Equal(cleaned.Table.Schema, schema, new SchemaComparer());
        var streamed = rows.SelectMany(t => Enumerable.Range(0, t.RowCount).Select(r => string.Join('|', CellText.FormatRow(t, r)))).ToArray();
        Assert.Equal(Enumerable.Range(0, cleaned.Table.RowCount).Select(r => string.Join('|', CellText.FormatRow(cleaned.Table, r))), streamed);
    }

    [Fact]
    public void Sketch_is_exact_below_capacity_and_within_its_rank_bound_above()
    {
        var random = new Random(3);
        var small = new QuantileSketch(1_000);
        var values = Enumerable.Range(0, 1_000).Select(_ => random.NextDouble()).ToList();
        values.ForEach(small.Add);
        Assert.True(small.IsExact);
        var sorted = values.Order().ToList();
        Assert.Equal(DataProfile.QuantileLevels.Select(q => Profiler.Quantile(sorted, q)), small.Quantiles(DataProfile.QuantileLevels));

        // 400,000 skewed values in two sketches, merged: each quantile's rank within 4 standard errors of the exact one.
        var a = new QuantileSketch(10_000, seed: 1);
        var b = new QuantileSketch(10_000, seed: 2);
        var big = Enumerable.Range(0, 400_000).Select(i => Math.Exp(random.NextDouble() * 5) * (i % 3 == 0 ? -1 : 1)).ToArray();
        for (var i = 0; i < big.Length; i++) (i < 150_000 ? a : b).Add(big[i]);
        a.Merge(b);
        Assert.False(a.IsExact);
        Assert.Equal(400_000, a.Count);
        Array.Sort(big);
        var estimates = a.Quantiles(DataProfile.QuantileLevels);
        for (var i = 0; i < estimates.Length; i++)
        {
            var q = DataProfile.QuantileLevels[i];
            var rank = Array.BinarySearch(big, estimates[i]);
            var share = (rank < 0 ? ~rank : rank) / (double)big.Length;
            Assert.InRange(share, q - 4 * Math.Sqrt(q * (1 - q) / 10_000), q + 4 * Math.Sqrt(q * (1 - q) / 10_000));
        }
    }

    [Fact]
    public void A_smaller_sketch_merged_in_keeps_the_sample_uniform()
    {
        // 300,000 values near 0 in a sketch of 10,000 and 100,000 values near 100 in one of 1,000 (as rows set aside are
        // sampled): the merged sample must hold the second quarter of the union in its share, so the 80% quantile is near
        // 100. Taking every value of the smaller sketch with the larger one's bar would give it a share of 1/11, not 1/4.
        var random = new Random(5);
        var large = new QuantileSketch(10_000, seed: 1);
        var small = new QuantileSketch(1_000, seed: 2);
        for (var i = 0; i < 300_000; i++) large.Add(random.NextDouble());
        for (var i = 0; i < 100_000; i++) small.Add(100 + random.NextDouble());
        large.Merge(small);
        var sample = large.SortedSample();
        var share = sample.Count(v => v >= 100) / (double)sample.Length;
        Assert.InRange(share, 0.25 - 4 * Math.Sqrt(0.25 * 0.75 / sample.Length), 0.25 + 4 * Math.Sqrt(0.25 * 0.75 / sample.Length));
        Assert.InRange(sample.Length, 3_000, 10_000); // only values below the smaller sketch's bar are known for the union
        Assert.True(large.Quantiles([0.8])[0] >= 100);
        Assert.Equal(400_000, large.Count);

        // The other way round: the larger merged into the smaller.
        var a = new QuantileSketch(1_000, seed: 3);
        var b = new QuantileSketch(10_000, seed: 4);
        for (var i = 0; i < 100_000; i++) a.Add(100 + random.NextDouble());
        for (var i = 0; i < 300_000; i++) b.Add(random.NextDouble());
        a.Merge(b);
        var merged = a.SortedSample();
        Assert.InRange(merged.Count(v => v >= 100) / (double)merged.Length, 0.15, 0.35);
        Assert.InRange(merged.Length, 900, 1_000);
    }

    [Fact]
    public void Rows_given_as_an_array_a_segment_or_a_list_profile_alike()
    {
        var table = new Table(new TableSchema([new ColumnSchema("x", ColumnKind.Numeric), new ColumnSchema("c", ColumnKind.Categorical)]),
            [Enumerable.Range(0, 100).Select(i => i * 1.5).ToArray(), Enumerable.Range(0, 100).Select(i => i % 7 == 0 ? null : $"l{i % 5}").ToArray()]);
        int[] rows = [.. Enumerable.Range(0, 100).Where(i => i % 3 != 0)];
        var padded = new int[rows.Length + 10];
        rows.CopyTo(padded, 0);
        var shifted = new int[rows.Length + 5];
        rows.CopyTo(shifted, 5);
        IReadOnlyList<int>[] forms = [rows, rows.ToList(), new ArraySegment<int>(padded, 0, rows.Length), new ArraySegment<int>(shifted, 5, rows.Length)];
        var profiles = forms.Select(form =>
        {
            var accumulator = new ProfileAccumulator(table.Schema);
            accumulator.Add(table, form);
            return accumulator.Build();
        }).ToList();
        var expected = Profiler.Profile(table.SelectRows(rows));
        Assert.All(profiles, profile =>
        {
            Assert.Equal(expected.RowCount, profile.RowCount);
            foreach (var (e, a) in expected.Features.Zip(profile.Features))
            {
                Assert.Equal((e.Count, e.Missing, e.Min, e.Max, e.Distinct), (a.Count, a.Missing, a.Min, a.Max, a.Distinct));
                Assert.Equal(e.Quantiles, a.Quantiles);
                Assert.Equal(e.TopCategories, a.TopCategories);
            }
        });
    }

    [Theory]
    [InlineData("csv")]
    [InlineData("jsonl")]
    public async Task A_first_chunk_estimates_the_rows_of_the_file(string format)
    {
        var random = new Random(9);
        var lines = Enumerable.Range(0, 30_000).Select(i => (X: Math.Round(random.NextDouble() * 1e4, random.Next(1, 6)), City: new[] { "oslo", "rome", "reykjavik" }[i % 3], Label: i % 2)).ToList();
        var text = format == "csv"
            ? "x,city,label\n" + string.Concat(lines.Select(l => FormattableString.Invariant($"{l.X},{l.City},{l.Label}\n")))
            : string.Concat(lines.Select(l => FormattableString.Invariant($"{{\"x\":{l.X},\"city\":\"{l.City}\",\"label\":{l.Label}}}\n")));
        var bytes = Encoding.UTF8.GetBytes(text);
        long estimate = -1, capped = -1;
        await DataFileReader.ReadChunksAsync(new MemoryStream(bytes), "data." + format, new CsvReadOptions(), bytes.Length, (chunk, _) =>
        {
            if (estimate < 0)
            {
                estimate = DataPass.ExpectedRows(bytes.Length, chunk, maxRows: 1_000_000);
                capped = DataPass.ExpectedRows(bytes.Length, chunk, maxRows: 20_000);
            }
            return ValueTask.CompletedTask;
        });
        Assert.InRange(estimate, 30_000 * 0.9, 30_000 * 1.1);
        Assert.Equal(20_000, capped); // never past the read's limit
    }

    [Fact]
    public void Chunk_file_reads_back_bit_for_bit()
    {
        var schema = new TableSchema([new ColumnSchema("x", ColumnKind.Numeric), new ColumnSchema("c", ColumnKind.Categorical)]);
        var table = new Table(schema, [new[] { 1.5, double.NaN, -0.0, 1e300 }, new string?[] { "a", null, "a", "é" }]);
        using var stream = new MemoryStream();
        using (var writer = ChunkFile.CreateWriter(stream, schema))
        {
            writer.Write(table, [2, 3, 4, 5]);
            writer.Write(table, [6, 7, 8, 9], [3, 0]);
            writer.Complete();
        }
        stream.Position = 0;
        var back = ChunkFile.ReadTable(stream);
        Assert.Equal(new[] { 1.5, double.NaN, -0.0, 1e300, 1e300, 1.5 }, back.Numeric(0).AsEnumerable());
        Assert.Equal(BitConverter.DoubleToInt64Bits(-0.0), BitConverter.DoubleToInt64Bits(back.Numeric(0)[2]));
        Assert.Equal(new string?[] { "a", null, "a", "é", "é", "a" }, back.Categorical(1).AsEnumerable());
        stream.SetLength(stream.Length - 4);
        stream.Position = 0;
        Assert.ThrowsAny<EndOfStreamException>(() => ChunkFile.ReadTable(stream));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_split_counted_from_the_label_counts_is_the_split_the_kept_rows_read_back_with(bool stratify)
    {
        var (chunks, _) = await Chunks(Csv(20_000), 4096);
        var pass = new DataPass(chunks[0].Rows.Schema, "label");
        using var keptFile = new MemoryStream();
        using (var writer = ChunkFile.CreateWriter(keptFile, chunks[0].Rows.Schema))
        {
            foreach (var chunk in chunks) writer.Write(chunk.Rows, chunk.RowNumbers, pass.Add(chunk));
            writer.Complete();
        }
        var found = pass.Finish();
        var split = new HoldoutSplit(0.2, 11, stratify);

        var (train, holdout) = pass.Split(split);
        keptFile.Position = 0;
        var ((trainRows, trainNumbers), (holdoutRows, holdoutNumbers)) = CleanedRows.Read(keptFile, found.Plan!, split, found.CleanedSchema);

        Assert.Equal((train, holdout), ((long)trainRows.RowCount, (long)holdoutRows.RowCount));
        Assert.Equal(found.Plan!.RowsKept, train + holdout);
        // Told how many rows each side has, each side is allocated once at its size; told wrong, it still reads right.
        foreach (var expected in new[] { (train, holdout), (1L, 1L), (train + 5000, holdout + 1) })
        {
            keptFile.Position = 0;
            var (trainAgain, holdoutAgain) = CleanedRows.Read(keptFile, found.Plan!, split, found.CleanedSchema, expected: expected);
            Assert.Equal(trainNumbers, trainAgain.RowNumbers);
            Assert.Equal(holdoutNumbers, holdoutAgain.RowNumbers);
            for (var c = 0; c < trainRows.ColumnCount; c++)
            {
                Assert.Equal(Cells(trainRows, c), Cells(trainAgain.Table, c));
                Assert.Equal(Cells(holdoutRows, c), Cells(holdoutAgain.Table, c));
            }
        }
        Assert.Empty(trainNumbers.Intersect(holdoutNumbers));
        Assert.Same(found.CleanedSchema, holdoutRows.Schema);
        if (stratify)
        {
            // Each class (yes/no, read as a boolean) is held out in the split's proportion, to the row.
            foreach (var label in new[] { 1.0, 0.0 })
            {
                var inTrain = trainRows.Numeric(trainRows.Schema.IndexOf("label")).Count(v => v == label);
                var heldOut = holdoutRows.Numeric(holdoutRows.Schema.IndexOf("label")).Count(v => v == label);
                Assert.InRange(heldOut, Math.Floor((inTrain + heldOut) * 0.2), Math.Ceiling((inTrain + heldOut) * 0.2));
            }
        }
    }

    [Fact]
    public void A_numeric_label_is_split_by_its_values_and_counted_the_same_way()
    {
        var schema = new TableSchema([new ColumnSchema("x", ColumnKind.Numeric), new ColumnSchema("label", ColumnKind.Numeric)]);
        var labels = Enumerable.Range(0, 5_000).Select(i => i % 7 == 0 ? -0.0 : i % 3).ToArray(); // -0 and 0 are one class
        var table = new Table(schema, [Enumerable.Range(0, 5_000).Select(i => (double)i).ToArray(), labels]);
        var pass = new DataPass(schema, "label");
        var chunk = new TableChunk(table, Enumerable.Range(2, 5_000).Select(i => (long)i).ToArray());
        Assert.Null(pass.Add(chunk));
        var found = pass.Finish();
        var split = new HoldoutSplit(0.25, 3, Stratify: true);

        var rows = new CleanedRows(schema, found.Plan!, split).Split(chunk);

        Assert.Equal(pass.Split(split), ((long)rows.Train.Count, (long)rows.Holdout.Count));
        Assert.True(pass.LabelLevelsCounted);
    }

    [Fact]
    public async Task Above_the_sketch_a_clip_count_is_estimated_and_flagged()
    {
        var random = new Random(5);
        var csv = new StringBuilder("x,label\n");
        for (var i = 0; i < 60_000; i++) csv.Append(CultureInfo.InvariantCulture, $"{i + random.NextDouble():0.######},{i % 2}\n"); // no duplicates
        var (chunks, _) = await Chunks(csv.ToString(), 8192);
        var pass = new DataPass(chunks[0].Rows.Schema, "label", new CleaningOptions { Outliers = OutlierMethod.Quantile });
        foreach (var chunk in chunks) Assert.Null(pass.Add(chunk));

        var clip = Assert.Single(pass.Finish().Cleaning!.Clips!);

        var outside = chunks.SelectMany(c => c.Rows.Numeric(0)).Count(v => v < clip.Lower || v > clip.Upper);
        Assert.True(clip.Estimated);
        Assert.InRange(clip.Clipped, outside - 250, outside + 250); // about 5 standard errors of the sample's share
    }

    [Fact]
    public void Holdout_split_is_stratified_and_deterministic()
    {
        static List<bool> Split(int seed)
        {
            var splitter = new HoldoutSplitter(0.2, seed, stratify: true);
            return Enumerable.Range(0, 1_000).Select(i => splitter.IsHoldout(i % 10 == 0 ? "rare" : "common")).ToList();
        }
        var first = Split(5);
        Assert.Equal(first, Split(5));
        Assert.NotEqual(first, Split(6));
        Assert.Equal(20, Enumerable.Range(0, 1_000).Count(i => i % 10 == 0 && first[i])); // 100 rare rows: 20 held out
        Assert.Equal(180, Enumerable.Range(0, 1_000).Count(i => i % 10 != 0 && first[i]));
    }

    private static IEnumerable<object?> Cells(Table table, int column) =>
        table.Column(column) is double[] numbers ? numbers.Select(v => (object?)v) : ((string?[])table.Column(column)).Select(v => (object?)v);
}
