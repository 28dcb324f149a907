using System.IO.Compression;
using System.Text;
using ModelOps.Core.Data;
using Parquet;
using Parquet.Schema;

namespace ModelOps.Core.Tests.Data;

/// <summary>
/// Hand-made bad (and awkward but good) files, generated in code: each must end in a clean success or a clear failure
/// with its codes, never an unexpected exception.
/// </summary>
public sealed class BadFileCorpusTests
{
    /// <param name="Expected">"ok", or the error codes expected (any of them suffices when several are given with |).</param>
    public sealed record Case(string Name, string FileName, Func<Task<byte[]>> Bytes, string Expected, string? Warning = null,
        CsvReadOptions? Options = null, long? Declared = null, string Label = "label")
    {
        public override string ToString() => Name;
    }

    private static Case Text(string name, string file, string text, string expected, string? warning = null, CsvReadOptions? options = null, string label = "label") =>
        new(name, file, () => Task.FromResult(DataCheck.Utf8(text)), expected, warning, options, Label: label);

    private static Case Bytes(string name, string file, byte[] bytes, string expected, string? warning = null) =>
        new(name, file, () => Task.FromResult(bytes), expected, warning);

    public static readonly Case[] Corpus =
    [
        Bytes("binary garbage", "garbage.csv", Garbage(), DataFileErrorCodes.NotText),
        Bytes("zip renamed .csv", "export.csv", Zip(), DataFileErrorCodes.NotText),
        Bytes("gzip renamed .csv", "export.csv", Gzip(), DataFileErrorCodes.NotText),
        Bytes("pdf renamed .csv", "report.csv", Encoding.ASCII.GetBytes("%PDF-1.7\n%\u00e2\u00e3\n1 0 obj\n"), DataFileErrorCodes.NotText),
        Bytes("old excel renamed .csv", "book.csv", [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0], DataFileErrorCodes.NotText),
        Bytes("empty file", "empty.csv", [], DataFileErrorCodes.EmptyFile),
        Bytes("BOM only", "bom.csv", [0xEF, 0xBB, 0xBF], DataFileErrorCodes.EmptyFile),
        Text("header only", "header.csv", "age,city,label\n", DataFileErrorCodes.HeaderOnly),
        Text("truncated quote", "truncated.csv", DataCheck.Valid(30) + "41,\"never closed,1000,yes\n", DataFileErrorCodes.MalformedCsv),
        Text("stray quote in a field", "stray.csv", DataCheck.Valid(30) + "41,\"rome\"x,1000,yes\n", DataFileErrorCodes.MalformedCsv),
        Text("ragged rows", "ragged.csv", "age,city,income,label\n" + string.Concat(Enumerable.Range(0, 40).Select(i => i % 2 == 0 ? $"{i},paris,3,yes\n" : $"{i},paris\n")), DataFileErrorCodes.RaggedRows),
        Text("one ragged row among many", "one-ragged.csv", DataCheck.Valid(60) + "1,2\n", "ok", AnomalyCodes.RejectedRows),
        Text("mixed delimiters", "mixed.csv", "age,city,income,label\n" + DataCheck.Valid(40, ';').Split('\n', 2)[1], DataFileErrorCodes.RaggedRows),
        Text("semicolon delimited", "semi.csv", DataCheck.Valid(40, ';'), "ok"),
        Text("no header row", "headerless.csv", DataCheck.Valid(40).Split('\n', 2)[1], "ok", AnomalyCodes.NoHeader, label: "column_4"),
        Text("tab separated .tsv", "data.tsv", DataCheck.Valid(40, '\t'), "ok"),
        Text("pipe delimited .txt", "data.txt", DataCheck.Valid(40, '|'), "ok"),
        Text("CRLF line endings", "crlf.csv", DataCheck.Valid(40, ',', "\r\n"), "ok"),
        Bytes("UTF-8 with BOM", "bom-data.csv", [0xEF, 0xBB, 0xBF, .. DataCheck.Utf8(DataCheck.Valid(40))], "ok"),
        Bytes("UTF-16 LE with BOM", "utf16.csv", [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes(DataCheck.Valid(40, '\t', "\r\n"))], "ok"),
        Bytes("UTF-16 BE with BOM", "utf16be.csv", [.. Encoding.BigEndianUnicode.GetPreamble(), .. Encoding.BigEndianUnicode.GetBytes(DataCheck.Valid(40))], "ok"),
        Bytes("Latin-1 (not UTF-8)", "latin1.csv", Encoding.Latin1.GetBytes("age,city,label\n30,S\u00e3o Paulo,yes\n"), DataFileErrorCodes.NotText),
        Text("all labels missing", "no-labels.csv", "age,city,label\n" + string.Concat(Enumerable.Range(0, 40).Select(i => $"{i},paris,\n")), AnomalyCodes.AllLabelsMissing),
        Text("label column absent", "no-target.csv", DataCheck.Valid(40), AnomalyCodes.LabelMissing, label: "churned"),
        Text("one row", "one.csv", "age,city,label\n30,paris,yes\n", AnomalyCodes.TooFewRows),
        Text("5,000 columns", "wide.csv", string.Join(",", Enumerable.Range(0, 5000).Select(i => $"c{i}")) + "\n" + string.Join(",", Enumerable.Range(0, 5000)) + "\n", DataFileErrorCodes.TooManyColumns),
        new("2 GB declared size", "huge.csv", () => Task.FromResult(DataCheck.Utf8(DataCheck.Valid(40))), DataFileErrorCodes.TooLarge, Declared: 2L << 30),
        Text("formula injection cell", "formula.csv", DataCheck.Valid(40).Replace("paris", "=HYPERLINK(\"\"http://x\"\",\"\"y\"\")".Insert(0, "\"") + "\"", StringComparison.Ordinal), "ok", AnomalyCodes.FormulaLikeValues),
        Text("duplicate header names", "dupe.csv", "age,Age,label\n1,2,yes\n", DataFileErrorCodes.DuplicateColumns),
        Text("NaN and infinity", "nan.csv", DataCheck.Valid(40).Replace("\n1037,", "\nNaN,").Replace("\n1074,", "\ninf,"), "ok"),
        Text("numeric column with 20% text", "mismatch.csv", "x,label\n" + string.Concat(Enumerable.Range(0, 50).Select(i => $"{(i % 5 == 0 ? "oops" + i : i.ToString())},{i % 2}\n")), AnomalyCodes.TypeMismatch),
        Text("constant column", "constant.csv", "age,country,label\n" + string.Concat(Enumerable.Range(0, 40).Select(i => $"{i},fr,{i % 2}\n")), "ok", AnomalyCodes.ConstantColumn),
        Text("column with no values", "empty-col.csv", "age,note,label\n" + string.Concat(Enumerable.Range(0, 40).Select(i => $"{i},,{i % 2}\n")), "ok", AnomalyCodes.EmptyColumn),
        Text("thousands separators and yes/no", "coerce.csv", "amount,member,label\n" + string.Concat(Enumerable.Range(0, 40).Select(i => $"\"{i},234.5\",{(i % 3 == 0 ? "yes" : "no")},{i % 2}\n")), "ok"),
        Text("ISO dates", "dates.csv", "signup,label\n" + string.Concat(Enumerable.Range(0, 40).Select(i => $"2024-01-{i % 28 + 1:00}T10:00:00Z,{i % 2}\n")), "ok"),
        Text("blank lines and trailing delimiter", "blank.csv", "age,city,label\n\n" + string.Concat(Enumerable.Range(0, 40).Select(i => $"{i},paris,{i % 2},\n\n")), "ok"),
        Text("quoted newlines and delimiters", "quoted.csv", "note,label\n" + string.Concat(Enumerable.Range(0, 40).Select(i => $"\"line one, {i}\nline \"\"two\"\"\",{i % 2}\n")), "ok"),
        Text("line over the length limit", "long.csv", "a,b,label\n" + new string('x', 5000) + "," + new string('y', 5000) + ",1\n", DataFileErrorCodes.LineTooLong,
            options: new CsvReadOptions { MaxLineLength = 8000 }),
        Text("more rows than the limit", "rows.csv", DataCheck.Valid(100), DataFileErrorCodes.TooManyRows, options: new CsvReadOptions { MaxRows = 50 }),
        Text("JSON lines", "data.jsonl", string.Concat(Enumerable.Range(0, 40).Select(i => $"{{\"age\": {i}, \"city\": \"paris\", \"vip\": {(i % 3 == 0 ? "true" : "false")}, \"label\": {i % 2}}}\n")), "ok"),
        Text("JSON array, not lines", "data.json", "[{\"a\": 1}, {\"a\": 2}]", DataFileErrorCodes.MalformedJson),
        Text("JSON lines mostly garbage", "bad.ndjson", "{\"a\": 1, \"label\": 1}\n" + string.Concat(Enumerable.Range(0, 10).Select(i => "not json\n")), DataFileErrorCodes.MalformedJson),
        new("Parquet", "data.parquet", () => Parquet(40), "ok"),
        new("truncated Parquet", "cut.parquet", async () => (await Parquet(40))[..100], DataFileErrorCodes.MalformedParquet),
        Bytes("zip renamed .parquet", "data.parquet", Zip(), DataFileErrorCodes.MalformedParquet),
    ];

    public static TheoryData<Case> Cases()
    {
        var data = new TheoryData<Case>();
        foreach (var c in Corpus)
        {
            data.Add(c);
        }
        return data;
    }

    [Fact]
    public void The_corpus_has_at_least_thirty_bad_files()
    {
        Assert.True(Corpus.Count(c => c.Expected != "ok" || c.Warning is not null) >= 30);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Each_file_ends_in_success_or_a_clear_failure_with_its_code(Case file)
    {
        var bytes = await file.Bytes();

        var outcome = await DataCheck.RunAsync(bytes, file.FileName, file.Label, file.Options, file.Declared);

        if (file.Expected == "ok")
        {
            Assert.True(outcome.Succeeded, $"{file.Name}: {outcome}");
        }
        else
        {
            Assert.False(outcome.Succeeded, $"{file.Name}: {outcome}");
            Assert.Contains(file.Expected, outcome.Errors);
        }
        if (file.Warning is not null)
        {
            Assert.Contains(file.Warning, outcome.Warnings);
        }
    }

    [Fact]
    public async Task A_seekable_stream_declaring_two_gigabytes_fails_before_reading()
    {
        var stream = new DeclaredLengthStream(2L << 30);

        var outcome = await DataCheck.RunAsync([], "big.csv", stream: stream);

        Assert.Equal([DataFileErrorCodes.TooLarge], outcome.Errors);
        Assert.Equal(0, stream.Reads);
    }

    [Fact]
    public async Task The_host_stays_healthy_after_the_whole_corpus()
    {
        var before = GC.GetTotalMemory(forceFullCollection: true);
        foreach (var file in Corpus)
        {
            await DataCheck.RunAsync(await file.Bytes(), file.FileName, file.Label, file.Options, file.Declared);
        }
        var after = GC.GetTotalMemory(forceFullCollection: true);

        Assert.True(after - before < 64 << 20, $"{(after - before) / 1e6:0.0} MB retained");
    }

    internal static async Task<byte[]> Parquet(int rows)
    {
        var age = new DataField<int>("age");
        var income = new DataField<double?>("income");
        var city = new DataField<string>("city");
        var signup = new DataField<DateTime>("signup");
        var label = new DataField<bool>("label");
        using var stream = new MemoryStream();
        await using (var writer = await ParquetWriter.CreateAsync(new ParquetSchema(age, income, city, signup, label), stream))
        {
            using var group = writer.CreateRowGroup();
            await group.WriteAsync<int>(age, Enumerable.Range(0, rows).Select(i => 20 + i).ToArray().AsMemory());
            await group.WriteAsync<double>(income, Enumerable.Range(0, rows).Select(i => i % 7 == 0 ? (double?)null : 1000.5 * i).ToArray().AsMemory());
            await group.WriteAsync(city, Enumerable.Range(0, rows).Select(i => i % 2 == 0 ? "paris" : "rome").ToArray());
            await group.WriteAsync<DateTime>(signup, Enumerable.Range(0, rows).Select(i => new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddDays(i)).ToArray().AsMemory());
            await group.WriteAsync<bool>(label, Enumerable.Range(0, rows).Select(i => i % 3 == 0).ToArray().AsMemory());
        }
        return stream.ToArray();
    }

    private static byte[] Garbage()
    {
        var bytes = new byte[8192];
        new Random(11).NextBytes(bytes);
        return bytes;
    }

    private static byte[] Zip()
    {
        using var zip = new MemoryStream();
        using (var archive = new ZipArchive(zip, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var entry = new StreamWriter(archive.CreateEntry("data.csv").Open());
            entry.Write(DataCheck.Valid(40));
        }
        return zip.ToArray();
    }

    private static byte[] Gzip()
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(DataCheck.Utf8(DataCheck.Valid(40)));
        }
        return output.ToArray();
    }

    /// <summary>A seekable stream that says it is huge and counts reads, like a blob stream over a 2 GB blob.</summary>
    private sealed class DeclaredLengthStream(long length) : Stream
    {
        public int Reads { get; private set; }
        public override bool CanRead => true;
        public override bool CanSeek => true;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get; set; }
        public override int Read(byte[] buffer, int offset, int count) { Reads++; return 0; }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => Position = offset;
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
