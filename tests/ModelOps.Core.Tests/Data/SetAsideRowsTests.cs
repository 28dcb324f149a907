using System.Text;
using ModelOps.Core.Data;

namespace ModelOps.Core.Tests.Data;

/// <summary>Rows the data pass sets aside are reported as the file has them, not as they were parsed.</summary>
public sealed class SetAsideRowsTests
{
    /// <summary>Streams the file in small chunks through a data pass, as ingest does, and returns the rows it set aside.</summary>
    private static async Task<IReadOnlyList<RejectedRow>> SetAside(string fileName, string content, int chunkRows = 3)
    {
        DataPass? pass = null;
        await DataFileReader.ReadChunksAsync(new MemoryStream(Encoding.UTF8.GetBytes(content)), fileName,
            new CsvReadOptions { SampleRows = 4 }, null, (chunk, _) =>
            {
                pass ??= new DataPass(chunk.Rows.Schema, "label");
                pass.Add(chunk);
                return ValueTask.CompletedTask;
            }, chunkRows);
        return pass!.Finish().Rejected;
    }

    private static string[] Row(RejectedRow row) => row.Values.Select(v => v ?? "<missing>").ToArray();

    [Theory]
    [InlineData("\n", true)]
    [InlineData("\r\n", false)] // the last record a duplicate with no line end
    public async Task Csv_rows_set_aside_keep_their_fields_as_written_across_chunks(string newline, bool endsWithNewline)
    {
        string[] lines =
        [
            "id,amount,paid,city,day,label",
            "1,\"1,234.50\",yes, Oslo ,2024-01-05,a",
            "2,45.10,no,Rome,2024-01-06,",
            "3,7,TRUE,\"Riga, \"\"LV\"\"\",2024-01-07,b",
            "4,8,no,Bern,2024-01-08,a",
            "5,9,yes,Kyiv,2024-01-09,b",
            "6,10,no,Lima,2024-01-10,a",
            "1,\"1,234.50\",yes, Oslo ,2024-01-05,a", // row 8, in the third chunk: a duplicate of row 2
            "3,7,TRUE,\"Riga, \"\"LV\"\"\",2024-01-07,b", // row 9
        ];
        var content = string.Join(newline, lines) + (endsWithNewline ? newline : "");

        var rows = await SetAside("data.csv", content);

        Assert.Equal([3L, 8, 9], rows.Select(r => r.RowNumber));
        Assert.Equal(["2", "45.10", "no", "Rome", "2024-01-06", "<missing>"], Row(rows[0]));
        Assert.Equal("label is missing", rows[0].Reason);
        Assert.Equal(["1", "1,234.50", "yes", " Oslo ", "2024-01-05", "a"], Row(rows[1]));
        Assert.Equal("exact duplicate of row 2", rows[1].Reason);
        Assert.Equal(["3", "7", "TRUE", "Riga, \"LV\"", "2024-01-07", "b"], Row(rows[2]));
    }

    [Fact]
    public async Task A_record_longer_than_the_splitters_buffer_comes_back_whole()
    {
        var note = "\"" + string.Concat(Enumerable.Repeat("long, \"\"quoted\"\" text\n", 1_200)) + "\"";
        var content = $"id,note,label\n1,{note},a\n2,b,b\n3,c,a\n4,d,b\n5,e,a\n1,{note},a\n6,f,b\n1,{note},a";

        var rows = await SetAside("data.csv", content, chunkRows: 2);

        var expected = string.Concat(Enumerable.Repeat("long, \"quoted\" text\n", 1_200));
        Assert.Equal([7L, 9], rows.Select(r => r.RowNumber));
        Assert.All(rows, r => Assert.Equal(["1", expected, "a"], Row(r)));
    }

    [Fact]
    public async Task Csv_with_another_delimiter_splits_its_rows_set_aside_on_that_delimiter()
    {
        var content = "id;amount;label\n1;3,50;x\n2;4,25;y\n3;5;x\n4;6;y\n1;3,50;x\n";

        var rows = await SetAside("data.csv", content, chunkRows: 2);

        Assert.Equal(["1", "3,50", "x"], Row(Assert.Single(rows)));
    }

    [Fact]
    public async Task Json_lines_rows_set_aside_keep_strings_numbers_and_nested_values_as_written()
    {
        var content = string.Join('\n',
            """{"id": 1, "amount": 45.10, "paid": "yes", "tags": {"a": [1, 2]}, "label": "a"}""",
            """{"id": 2, "amount": 3, "paid": "no", "tags": null, "label": null}""",
            """{"id": 3, "amount": 1e3, "paid": true, "tags": {"b": 1}, "label": "b"}""",
            """{"id": 4, "amount": 5, "paid": "no", "tags": {"c": 1}, "label": "a"}""",
            """{"id": 5, "amount": 6, "paid": "no", "tags": {"d": 1}, "label": "b"}""",
            """{"label": "a", "Paid": "yes", "amount": 45.10, "ID": 1, "tags": {"a": [1, 2]}, "id": 99}""") + "\n";

        var rows = await SetAside("data.jsonl", content);

        Assert.Equal([2L, 6], rows.Select(r => r.RowNumber));
        Assert.Equal(["2", "3", "no", "<missing>", "<missing>"], Row(rows[0]));
        // Keys in another order and case, the first of a repeated key: the columns' values as the line writes them.
        Assert.Equal(["1", "45.10", "yes", """{"a": [1, 2]}""", "a"], Row(rows[1]));
        Assert.Equal("exact duplicate of row 1", rows[1].Reason);
    }

    [Fact]
    public async Task A_file_that_fits_one_chunk_reports_its_rows_as_written_too()
    {
        var rows = await SetAside("data.csv", "x,label\n1.50,a\n2,b\n1.50,a\n", chunkRows: 100);

        Assert.Equal(["1.50", "a"], Row(Assert.Single(rows)));
    }

    [Fact]
    public async Task Rows_set_aside_name_their_file_and_a_duplicate_names_the_file_of_the_row_it_repeats()
    {
        var files = new[]
        {
            ("jan.csv", "id,x,label\n1,a,yes\n2,b,no\n3,c,yes\n4,d,no\n"),
            ("feb.csv", "id,x,label\n5,e,yes\n2,b,no\n5,e,yes\n6,f,\n"),
        };
        DataPass? pass = null;
        foreach (var (name, content) in files)
        {
            var began = false;
            await DataFileReader.ReadChunksAsync(new MemoryStream(Encoding.UTF8.GetBytes(content)), name,
                new CsvReadOptions { SampleRows = 4 }, null, (chunk, _) =>
                {
                    pass ??= new DataPass(chunk.Rows.Schema, "label");
                    if (!began) pass.BeginFile(name);
                    began = true;
                    pass.Add(chunk);
                    return ValueTask.CompletedTask;
                }, 2);
        }

        var rows = pass!.Finish().Rejected;

        Assert.Equal(
            [(3L, "feb.csv: exact duplicate of row 3 of jan.csv"), (4, "feb.csv: exact duplicate of row 2"), (5, "feb.csv: label is missing")],
            rows.Select(r => (r.RowNumber, r.Reason)));
    }

    [Fact]
    public void The_duplicate_finder_keeps_each_rows_file_through_its_growth()
    {
        using var set = new RowHashSet(expected: 0);
        static UInt128 Hash(int i) => new((ulong)i * 0x9E3779B97F4A7C15UL, (ulong)i * 0xC2B2AE3D27D4EB4FUL + 1);
        for (var i = 0; i < 300_000; i++) Assert.Null(set.AddOrGetFirst(Hash(i), i + 2));
        // The second file's rows come while every partition grows at least once more.
        for (var i = 300_000; i < 900_000; i++) Assert.Null(set.AddOrGetFirst(Hash(i), i - 299_998, file: 1));

        Assert.Equal((7L, 0), set.AddOrGetFirst(Hash(5), 99, file: 2));
        Assert.Equal((2L, 1), set.AddOrGetFirst(Hash(300_000), 99, file: 2));
        Assert.Equal((600_001L, 1), set.AddOrGetFirst(Hash(899_999), 99, file: 2));
    }

    [Theory]
    [InlineData(1_000)] // sized far too small: every partition grows from 16 slots, through sizes that are not powers of two
    [InlineData(200_000)] // sized right
    [InlineData(5_000_000)] // sized far too large
    public void The_duplicate_finder_finds_every_row_whatever_it_was_sized_for(long expected)
    {
        using var set = new RowHashSet(expected);
        static UInt128 Hash(int i) => new((ulong)i * 0xD6E8FEB86659FD93UL + 7, (ulong)i * 0x9E3779B97F4A7C15UL);
        for (var i = 0; i < 200_000; i++) Assert.Null(set.AddOrGetFirst(Hash(i), i + 2));
        for (var i = 0; i < 200_000; i += 7) Assert.Equal((i + 2L, 0), set.AddOrGetFirst(Hash(i), 1));
        Assert.Null(set.AddOrGetFirst(Hash(200_001), 1));
        set.Dispose();
        Assert.Throws<ObjectDisposedException>(() => set.AddOrGetFirst(Hash(1), 1)); // its memory is gone
    }
}
