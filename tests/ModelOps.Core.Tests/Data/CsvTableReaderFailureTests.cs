using System.IO.Compression;
using System.Text;
using ModelOps.Core.Data;

namespace ModelOps.Core.Tests.Data;

public sealed class CsvTableReaderFailureTests
{
    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 0xEF, 0xBB, 0xBF })]
    [InlineData(new byte[] { (byte)'\n', (byte)' ', (byte)'\r', (byte)'\n' })]
    public async Task An_empty_file_fails_as_empty_file(byte[] bytes)
    {
        var error = await CsvFiles.Fails(bytes);

        Assert.Equal(DataFileErrorCodes.EmptyFile, error.Code);
        Assert.Equal("The file is empty: it has no header row and no data.", error.Message);
    }

    [Theory]
    [InlineData("a,b,c")]
    [InlineData("a,b,c\n")]
    [InlineData("a,b,c\r\n\r\n")]
    public async Task A_header_without_rows_fails_as_header_only(string text)
    {
        var error = await CsvFiles.Fails(text);

        Assert.Equal(DataFileErrorCodes.HeaderOnly, error.Code);
        Assert.Equal("The file has a header row but no data rows.", error.Message);
    }

    [Fact]
    public async Task Binary_garbage_fails_as_not_text()
    {
        var bytes = new byte[4096];
        new Random(7).NextBytes(bytes);
        bytes[10] = 0;

        var error = await CsvFiles.Fails(bytes);

        Assert.Equal(DataFileErrorCodes.NotText, error.Code);
        Assert.StartsWith("This is not", error.Message);
    }

    [Fact]
    public async Task A_zip_renamed_to_csv_fails_as_not_text_and_says_so()
    {
        using var zip = new MemoryStream();
        using (var archive = new ZipArchive(zip, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var entry = new StreamWriter(archive.CreateEntry("data.csv").Open());
            entry.Write("a,b\n1,2\n");
        }

        var error = await CsvFiles.Fails(zip.ToArray());

        Assert.Equal(DataFileErrorCodes.NotText, error.Code);
        Assert.Contains("ZIP archive", error.Message);
    }

    [Fact]
    public async Task Latin1_text_fails_as_not_text()
    {
        var bytes = Encoding.Latin1.GetBytes("name,city\ncafé,Zürich\n");

        var error = await CsvFiles.Fails(bytes);

        Assert.Equal(DataFileErrorCodes.NotText, error.Code);
        Assert.Contains("UTF-8", error.Message);
    }

    [Fact]
    public async Task Invalid_utf8_after_the_first_kilobyte_fails_as_not_text()
    {
        var head = Encoding.UTF8.GetBytes("a,b\n" + string.Concat(Enumerable.Repeat("1,2\n", 10_000)));
        var bytes = head.Concat(new byte[] { 0xC3, 0x28, (byte)',', (byte)'1', (byte)'\n' }).ToArray();

        var error = await CsvFiles.Fails(bytes);

        Assert.Equal(DataFileErrorCodes.NotText, error.Code);
    }

    [Fact]
    public async Task Duplicate_column_names_fail_and_are_named()
    {
        var error = await CsvFiles.Fails("id,Age,age\n1,2,3\n");

        Assert.Equal(DataFileErrorCodes.DuplicateColumns, error.Code);
        Assert.Contains("'Age'", error.Message);
    }

    [Fact]
    public async Task More_columns_than_the_limit_fail_as_too_many_columns()
    {
        var header = string.Join(",", Enumerable.Range(0, 11).Select(i => $"c{i}"));
        var row = string.Join(",", Enumerable.Range(0, 11));

        var error = await CsvFiles.Fails($"{header}\n{row}\n", new CsvReadOptions { MaxColumns = 10 });

        Assert.Equal(DataFileErrorCodes.TooManyColumns, error.Code);
        Assert.Equal("The header has 11 columns; the limit is 10. Drop unused columns or raise the limit.", error.Message);
    }

    [Fact]
    public async Task More_rows_than_the_limit_fail_as_too_many_rows()
    {
        var error = await CsvFiles.Fails("a\n1\n2\n3\n", new CsvReadOptions { MaxRows = 2 });

        Assert.Equal(DataFileErrorCodes.TooManyRows, error.Code);
    }

    [Fact]
    public async Task More_bytes_than_the_limit_fail_as_too_large_while_streaming()
    {
        var text = Testing.SyntheticData.Regression(2000, seed: 1);

        var error = await CsvFiles.Fails(text, new CsvReadOptions { MaxBytes = 20_000 });

        Assert.Equal(DataFileErrorCodes.TooLarge, error.Code);
        Assert.Contains("larger than the limit", error.Message);
    }

    [Fact]
    public async Task A_seekable_stream_over_the_byte_limit_fails_before_reading()
    {
        var stream = new MemoryStream(new byte[5000]);

        var error = await Assert.ThrowsAsync<DataFileException>(() => CsvTableReader.ReadAsync(stream, new CsvReadOptions { MaxBytes = 4096 }));

        Assert.Equal(DataFileErrorCodes.TooLarge, error.Code);
        Assert.Equal(0, stream.Position);
    }

    [Fact]
    public async Task A_field_over_the_length_limit_fails_as_field_too_long()
    {
        var error = await CsvFiles.Fails($"a,b\n1,{new string('x', 300)}\n", new CsvReadOptions { MaxFieldLength = 100 });

        Assert.Equal(DataFileErrorCodes.FieldTooLong, error.Code);
        Assert.Contains("column 'b'", error.Message);
    }

    [Fact]
    public async Task Many_ragged_rows_fail_as_ragged_rows()
    {
        // Semicolon-separated values under a comma header: the delimiter is wrong for most rows.
        var text = "a,b,c\n1,2,3\n" + string.Concat(Enumerable.Range(0, 10).Select(i => $"{i};{i};{i}\n"));

        var error = await CsvFiles.Fails(text);

        Assert.Equal(DataFileErrorCodes.RaggedRows, error.Code);
        Assert.StartsWith("10 of 11 data rows have a different number of fields than the header (3); the first is row 3", error.Message);
    }

    [Fact]
    public async Task Options_are_validated_with_every_error_in_one_message()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            CsvFiles.Read("a\n1\n", new CsvReadOptions { MaxRows = 0, MaxColumns = -1 }));

        Assert.Contains("MaxRows", error.Message);
        Assert.Contains("MaxColumns", error.Message);
    }
}

public sealed class CsvTableReaderQuotingFailureTests
{
    [Theory]
    [InlineData("a,b\n1,2\n3,\"x\"y\n5,6\n")]
    [InlineData("a,b\n1,2\n3,\"never closed\n5,6\n")]
    public async Task Broken_quoting_fails_as_malformed_csv_with_the_row(string text)
    {
        var error = await CsvFiles.Fails(text);

        Assert.Equal(DataFileErrorCodes.MalformedCsv, error.Code);
        Assert.StartsWith("Row 3 has broken quoting", error.Message);
    }
}
