using System.Text;
using System.Text.Json;
using ModelOps.Core.Data;
using ModelOps.Core.Storage;

namespace ModelOps.Core.Tests.Data;

/// <summary>Rows left out stream to spills: the data pass's rows set aside are written by hand, field by field from the
/// source's spans, and must be the line the serializer writes for the same row whatever the text holds; the readers' own
/// rejects are handed on as they are found, not kept.</summary>
public sealed class RejectedRowLogTests
{
    private static readonly string LongName = new string('n', 300) + ".csv";

    /// <summary>The same files through two passes, one keeping its rows set aside in memory and one spilling them.</summary>
    private static async Task<(IReadOnlyList<RejectedRow> Kept, string[] Spilled)> BothWays(params (string Name, string Content)[] files)
    {
        using var spill = new MemoryStream();
        DataPass? inMemory = null, spilled = null;
        foreach (var (name, content) in files)
        {
            var began = false;
            await DataFileReader.ReadChunksAsync(new MemoryStream(Encoding.UTF8.GetBytes(content)), name,
                new CsvReadOptions { SampleRows = 4 }, null, (chunk, _) =>
                {
                    inMemory ??= new DataPass(chunk.Rows.Schema, "label");
                    spilled ??= new DataPass(chunk.Rows.Schema, "label", rejected: new RejectedRowLog(spill));
                    if (!began && files.Length > 1)
                    {
                        inMemory.BeginFile(name);
                        spilled.BeginFile(name);
                    }
                    began = true;
                    Assert.Equal(inMemory.Add(chunk), spilled.Add(chunk));
                    return ValueTask.CompletedTask;
                }, 2);
        }
        Assert.Empty(spilled!.Finish().Rejected);
        var lines = Encoding.UTF8.GetString(spill.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return (inMemory!.Finish().Rejected, lines);
    }

    private const string Tricky = "id,note,label\n" +
        "1,\"say \"\"hi\"\", <b>&'x'\",yes\n" +
        "2,ünïcödé ✓ 😀,no\n" +
        "3,=1+2,\n" +
        "4,\"tab\there\",yes\n" +
        "1,\"say \"\"hi\"\", <b>&'x'\",yes\n" +
        "2,ünïcödé ✓ 😀,no\n" +
        "5,,no\n" +
        "5,,no\n";

    [Fact]
    public async Task A_spilled_csv_row_is_the_serializers_line_for_the_row_kept_in_memory()
    {
        var (kept, spilled) = await BothWays(("data.csv", Tricky));

        Assert.Equal(["label is missing", "exact duplicate of row 2", "exact duplicate of row 3", "exact duplicate of row 8"], kept.Select(r => r.Reason));
        Assert.Equal(kept.Select(r => JsonSerializer.Serialize(r, Json.Options)), spilled);
        Assert.Contains(kept, r => r.Values.Contains(null)); // an empty field stays missing
    }

    [Fact]
    public async Task A_spilled_json_lines_row_is_the_serializers_line_too()
    {
        const string content = """
            {"id": 1, "note": "say \"hi\" <b>", "nested": {"a": [1, 2]}, "label": "yes"}
            {"id": 2, "note": null, "nested": 3.50, "label": null}
            {"id": 1, "note": "say \"hi\" <b>", "nested": {"a": [1, 2]}, "label": "yes"}
            """;

        var (kept, spilled) = await BothWays(("data.jsonl", content));

        Assert.Equal(2, kept.Count);
        Assert.Equal(kept.Select(r => JsonSerializer.Serialize(r, Json.Options)), spilled);
    }

    [Fact]
    public async Task Reasons_that_name_files_are_spilled_whole_however_long_the_names()
    {
        var (kept, spilled) = await BothWays(
            (LongName, "id,x,label\n1,a,yes\n2,b,no\n"),
            ("feb.csv", "id,x,label\n1,a,yes\n2,b,no\n4,d,no\n4,d,no\n3,c,\n"));

        Assert.Equal(
            [$"feb.csv: exact duplicate of row 2 of {LongName}", $"feb.csv: exact duplicate of row 3 of {LongName}",
                "feb.csv: exact duplicate of row 4", "feb.csv: label is missing"],
            kept.Select(r => r.Reason));
        Assert.Equal(kept.Select(r => JsonSerializer.Serialize(r, Json.Options)), spilled);
        Assert.Equal(kept.Select(r => r.Reason), spilled.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("reason").GetString()));
    }

    /// <summary>A 10,000-row file whose every 100th line the reader cannot take, read in 1,000-row chunks.</summary>
    private static string Unreadable(string format, int row) => format == ".csv"
        ? (row % 100 == 99 ? $"{row},x,yes,extra" : $"{row},x{row % 7},{(row % 2 == 0 ? "yes" : "no")}")
        : (row % 100 == 99 ? $"[{row}]" : $"{{\"id\": {row}, \"x\": \"x{row % 7}\", \"label\": \"{(row % 2 == 0 ? "yes" : "no")}\"}}");

    [Theory]
    [InlineData(".csv")]
    [InlineData(".jsonl")]
    public async Task A_chunked_read_hands_on_the_lines_it_cannot_take_as_it_finds_them_and_keeps_none(string format)
    {
        var lines = Enumerable.Range(0, 10_000).Select(r => Unreadable(format, r));
        var content = (format == ".csv" ? "id,x,label\n" : "") + string.Join("\n", lines) + "\n";
        var events = new List<string>();
        var handedOn = new List<RejectedRow>();

        var read = await DataFileReader.ReadChunksAsync(new MemoryStream(Encoding.UTF8.GetBytes(content)), "data" + format,
            new CsvReadOptions { SampleRows = 100 }, null, (chunk, _) =>
            {
                lock (events) events.Add("chunk");
                return ValueTask.CompletedTask;
            }, 1_000, onRejected: row =>
            {
                lock (events) events.Add("rejected");
                handedOn.Add(row);
            });

        Assert.Empty(read.Rejected);
        Assert.Equal(100, read.Report.RowsRejected);
        Assert.Equal(100, handedOn.Count);
        var first = format == ".csv" ? 101L : 100L; // CSV counts the header as row 1
        Assert.Equal(Enumerable.Range(0, 100).Select(i => first + i * 100), handedOn.Select(r => r.RowNumber));
        // Streamed: most were handed on before the last chunk went, not gathered for the end.
        Assert.True(events.IndexOf("rejected") < events.LastIndexOf("chunk"), string.Join(" ", events));
        Assert.True(events.Take(events.LastIndexOf("chunk")).Count(e => e == "rejected") >= 80, string.Join(" ", events));
    }

    [Fact]
    public async Task A_file_of_too_many_unreadable_lines_still_fails_naming_the_first_when_they_are_handed_on()
    {
        var content = "id,x,label\n" + string.Join("\n", Enumerable.Range(0, 1_000).Select(r => r % 10 == 3 ? $"{r},a,b,c" : $"{r},a,yes")) + "\n";

        var e = await Assert.ThrowsAsync<DataFileException>(() => DataFileReader.ReadChunksAsync(new MemoryStream(Encoding.UTF8.GetBytes(content)),
            "data.csv", null, null, (_, _) => ValueTask.CompletedTask, 100, onRejected: _ => { }));

        Assert.Equal(DataFileErrorCodes.RaggedRows, e.Code);
        Assert.Contains("100 of 1,000 data rows", e.Message);
        Assert.Contains("the first is row 5", e.Message);
    }

    [Fact]
    public void A_row_added_as_a_record_is_spilled_as_the_serializer_writes_it()
    {
        using var spill = new MemoryStream();
        var log = new RejectedRowLog(spill);
        var row = new RejectedRow(7, "has 4 fields but the header has 3", ["1", null, "\u0001\"<>&", "", "😀"]);

        log.Add(row);

        Assert.Equal(JsonSerializer.Serialize(row, Json.Options) + "\n", Encoding.UTF8.GetString(spill.ToArray()));
        Assert.Equal(1, log.Count);
    }
}
