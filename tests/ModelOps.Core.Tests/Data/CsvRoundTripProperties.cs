using System.Globalization;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using ModelOps.Core.Data;

namespace ModelOps.Core.Tests.Data;

/// <summary>A table plus how a standard writer wrote it: delimiter, line ending, quoting, encoding.</summary>
public sealed record WrittenTable(Table Table, char Delimiter, string NewLine, bool QuoteAll, string Encoding)
{
    public byte[] Bytes()
    {
        var text = new StringBuilder();
        var rows = new List<IReadOnlyList<string?>> { Table.Schema.Columns.Select(c => (string?)c.Name).ToArray() };
        for (var r = 0; r < Table.RowCount; r++)
        {
            rows.Add(CellText.FormatRow(Table, r));
        }
        foreach (var row in rows)
        {
            text.Append(string.Join(Delimiter, row.Select(Field))).Append(NewLine);
        }
        return Encoding switch
        {
            "utf-8-bom" => [.. new UTF8Encoding(true).GetPreamble(), .. new UTF8Encoding(false).GetBytes(text.ToString())],
            "utf-16le" => [.. System.Text.Encoding.Unicode.GetPreamble(), .. System.Text.Encoding.Unicode.GetBytes(text.ToString())],
            _ => new UTF8Encoding(false).GetBytes(text.ToString()),
        };
    }

    // RFC 4180: a field with the delimiter, a quote or a line break is quoted, quotes doubled; QuoteAll quotes every non-empty field.
    private string Field(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }
        var needs = QuoteAll || value.AsSpan().IndexOfAny(",;\t|\"\r\n") >= 0;
        return needs ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }

    public override string ToString() =>
        $"delimiter={(int)Delimiter} quoteAll={QuoteAll} {Encoding}\n" + System.Text.Encoding.UTF8.GetString(Bytes());
}

public static class CsvArbitraries
{
    private static readonly string[] Pieces = ["a", "Zz", "é", "日本", "x y", ",", ";", "\t", "|", "\"", "\"\"", "\n", "\r\n", "=1+1", "-", "0", "1.5", "true", "NA", "#", "'"];

    private static Gen<string?> Cell() =>
        Gen.Frequency(
            (1, Gen.Constant<string?>(null)),
            (6, Gen.ArrayOf(Gen.Elements(Pieces)).Select(p => (string?)string.Concat(p))
                .Where(s => s!.Length > 0 && s.Trim().Length == s.Length && !CellText.IsMissing(s))));

    private static Gen<double> Number() =>
        Gen.OneOf(
            Gen.Choose(-1_000_000, 1_000_000).Select(i => (double)i),
            Gen.Choose(-1_000_000, 1_000_000).Select(i => i / 1000.0),
            ArbMap.Default.GeneratorFor<double>().Where(double.IsFinite),
            Gen.Constant(double.NaN));

    private static Gen<(ColumnKind Kind, object Values)> Column(int rows) =>
        Gen.Elements(ColumnKind.Numeric, ColumnKind.Categorical, ColumnKind.Boolean, ColumnKind.Datetime).SelectMany(kind => kind switch
        {
            ColumnKind.Categorical => Gen.ArrayOf(Cell(), rows).Select(v => (kind, (object)v)),
            ColumnKind.Boolean => Gen.ArrayOf(Gen.Elements(0.0, 1.0, double.NaN), rows).Select(v => (kind, (object)v)),
            ColumnKind.Datetime => Gen.ArrayOf(Gen.Frequency((1, Gen.Constant(double.NaN)), (5, Gen.Choose(-2_000_000_000, 2_000_000_000).Select(s => (double)s))), rows)
                .Select(v => (kind, (object)v)),
            _ => Gen.ArrayOf(Number(), rows).Select(v => (kind, (object)v)),
        });

    public static Arbitrary<WrittenTable> Tables() =>
        (from columns in Gen.Choose(1, 6)
         from rows in Gen.Choose(1, 25)
         from data in Gen.ArrayOf(Column(rows), columns)
         from names in Gen.ArrayOf(Gen.Elements("id", "Name", "a b", "x,y", "q\"t", "é", "semi;colon", "t\tab", "p|ipe"), columns)
         from delimiter in Gen.Elements(',', ';', '\t', '|')
         from newLine in Gen.Elements("\n", "\r\n")
         from quoteAll in ArbMap.Default.GeneratorFor<bool>()
         from encoding in Gen.Elements("utf-8", "utf-8-bom", "utf-16le")
         select Make(data, names, delimiter, newLine, quoteAll, encoding))
        .Where(t => t is not null).Select(t => t!).ToArbitrary();

    private static WrittenTable? Make((ColumnKind Kind, object Values)[] data, string[] names, char delimiter, string newLine, bool quoteAll, string encoding)
    {
        var schema = new TableSchema(data.Select((d, i) => new ColumnSchema($"{names[i]}{i}", d.Kind)).ToArray());
        var table = new Table(schema, data.Select(d => d.Values).ToArray());
        // A one-column row with a missing value is a blank line, which no CSV reader can tell from nothing.
        if (table.ColumnCount == 1 && Enumerable.Range(0, table.RowCount).Any(r => CellText.Format(table, 0, r) is null))
        {
            return null;
        }
        // A row whose every value is missing is a line of bare delimiters: read, but treated as blank when there is one field.
        return new WrittenTable(table, delimiter, newLine, quoteAll, encoding);
    }
}

public sealed class CsvRoundTripProperties
{
    [Property(MaxTest = 300, Arbitrary = [typeof(CsvArbitraries)])]
    public async Task<bool> The_reader_reads_back_any_table_a_standard_writer_wrote(WrittenTable written)
    {
        var read = await CsvTableReader.ReadAsync(new MemoryStream(written.Bytes()), new CsvReadOptions { Schema = written.Table.Schema });

        return SameTable(written.Table, read.Table);
    }

    [Property(MaxTest = 200, Arbitrary = [typeof(CsvArbitraries)])]
    public async Task<bool> The_reader_reads_back_what_the_csv_table_writer_wrote(WrittenTable written)
    {
        using var stream = new MemoryStream();
        await CsvTableWriter.WriteAsync(written.Table, stream);
        stream.Position = 0;

        var read = await CsvTableReader.ReadAsync(stream, new CsvReadOptions { Schema = written.Table.Schema });

        return SameTable(written.Table, read.Table);
    }

    private static bool SameTable(Table expected, Table actual)
    {
        if (expected.RowCount != actual.RowCount || expected.ColumnCount != actual.ColumnCount)
        {
            return false;
        }
        for (var c = 0; c < expected.ColumnCount; c++)
        {
            if (expected.Schema.Columns[c].Name != actual.Schema.Columns[c].Name || expected.Schema.Columns[c].Kind != actual.Schema.Columns[c].Kind)
            {
                return false;
            }
            var same = (expected.Column(c), actual.Column(c)) switch
            {
                (double[] a, double[] b) => a.SequenceEqual(b),
                (string?[] a, string?[] b) => a.SequenceEqual(b, StringComparer.Ordinal),
                _ => false,
            };
            if (!same)
            {
                return false;
            }
        }
        return true;
    }
}
