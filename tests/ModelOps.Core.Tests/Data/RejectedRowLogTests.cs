using System.Text;
using System.Text.Json;
using ModelOps.Core.Data;
using ModelOps.Core.Storage;

namespace ModelOps.Core.Tests.Data;

/// <summary>The spill of rows set aside is written by hand, field by field from the source's spans: it must be the line the
/// serializer writes for the same row, whatever the text holds.</summary>
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
