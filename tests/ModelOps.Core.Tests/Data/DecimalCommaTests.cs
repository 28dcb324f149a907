using System.Globalization;
using ModelOps.Core.Data;

namespace ModelOps.Core.Tests.Data;

/// <summary>European exports: fields separated by ';' (or tabs, pipes) and numbers with a decimal comma.</summary>
public sealed class DecimalCommaTests
{
    [Theory]
    [InlineData("3,14", 3.14, true)]
    [InlineData("-0,5", -0.5, true)]
    [InlineData("1.234,5", 1234.5, true)]
    [InlineData("12.345.678", 12345678, true)]
    [InlineData("42", 42, false)]
    [InlineData("+7,25", 7.25, true)]
    public void Decimal_comma_numbers_read_as_numbers(string text, double expected, bool coerced)
    {
        Assert.True(CellText.TryParseDecimalComma(text, out var value, out var wasCoerced));
        Assert.Equal(expected, value);
        Assert.Equal(coerced, wasCoerced);
    }

    [Theory]
    [InlineData("1.5")]        // a decimal point, not a group of three
    [InlineData("1234.567")]   // more than three digits before a group
    [InlineData("1.2345")]     // a group of four
    [InlineData("3,")]
    [InlineData(",5")]
    [InlineData("3,1,4")]
    [InlineData("abc")]
    [InlineData("")]
    public void Other_text_is_not_a_decimal_comma_number(string text) =>
        Assert.False(CellText.TryParseDecimalComma(text, out _, out _));

    [Fact]
    public async Task A_semicolon_file_with_decimal_commas_has_numeric_columns()
    {
        var read = await CsvFiles.Read("price;qty;city\n3,14;1.200;oslo\n1.234,5;7;rome\n12;30;riga\n-0,5;2;oslo\n2.500;4;rome\n");

        Assert.Equal([ColumnKind.Numeric, ColumnKind.Numeric, ColumnKind.Categorical], read.Table.Schema.Columns.Select(c => c.Kind));
        // In a column of decimal commas, a dot groups thousands: 2.500 is two and a half thousand.
        Assert.Equal([3.14, 1234.5, 12, -0.5, 2500], read.Table.Numeric("price"));
        Assert.Equal(4, read.Report.Columns[0].Coerced);
        // "1.200" beside whole numbers: with no decimal comma in the column, the usual reading wins (1.2, not 1200).
        Assert.Equal([1.2, 7, 30, 2, 4], read.Table.Numeric("qty"));
    }

    [Fact]
    public async Task In_a_comma_separated_file_a_quoted_decimal_comma_stays_text()
    {
        var read = await CsvFiles.Read("price,city\n\"3,14\",oslo\n\"2,5\",rome\n\"1,75\",riga\n");

        Assert.Equal(ColumnKind.Categorical, read.Table.Schema.Columns[0].Kind);
    }

    [Fact]
    public async Task A_streamed_semicolon_file_reads_the_same_numbers()
    {
        // Row 4,000 comes long after the kind was settled: "1.000" there is a thousand, as the column writes numbers.
        var rows = Enumerable.Range(0, 5_000).Select(i => i == 4_000 ? "1.000" : (i * 0.25).ToString("0.00", CultureInfo.InvariantCulture).Replace('.', ',')).ToArray();
        var csv = "x;label\n" + string.Concat(rows.Select((x, i) => $"{x};{i % 2}\n"));
        var values = new List<double>();

        var read = await DataFileReader.ReadChunksAsync(new MemoryStream(DataCheck.Utf8(csv)), "de.csv", new CsvReadOptions { SampleRows = 200 }, null,
            (chunk, _) =>
            {
                values.AddRange(chunk.Rows.Numeric("x"));
                return ValueTask.CompletedTask;
            }, chunkRows: 1_000);

        Assert.Equal(ColumnKind.Numeric, read.Schema.Columns[0].Kind);
        Assert.Equal(Enumerable.Range(0, 5_000).Select(i => i == 4_000 ? 1000 : i * 0.25), values);
        Assert.Empty(read.ColumnsToReread);
    }
}
