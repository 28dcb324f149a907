using System.Globalization;
using System.Text;
using Sylvan.Data.Csv;

namespace ModelOps.Core.Data;

/// <summary>
/// A CSV chunk's records as read (quotes, delimiters and line ends included); the rows asked for are split again by the
/// same parser with the same settings, so a field comes back exactly as the file has it, untrimmed.
/// </summary>
internal sealed class CsvSourceRows(SourceBuffers<char> buffers, char delimiter, int width, int maxRecordChars)
    : SourceRows<char>(buffers)
{
    public override IReadOnlyList<string?>[] Fields(IReadOnlyList<int> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var joined = new StringBuilder();
        foreach (var row in rows)
        {
            var record = Record(row);
            joined.Append(record);
            if (record.IsEmpty || record[^1] != '\n')
            {
                joined.Append('\n'); // the file's last record, without a line end
            }
        }
        var options = new CsvDataReaderOptions
        {
            HasHeaders = false,
            Delimiter = delimiter,
            CsvStyle = CsvStyle.Standard,
            Culture = CultureInfo.InvariantCulture,
            MaxBufferSize = maxRecordChars,
            Comment = '\0',
        };
        var fields = new IReadOnlyList<string?>[rows.Count];
        using var csv = CsvDataReader.Create(new StringReader(joined.ToString()), options);
        for (var i = 0; i < fields.Length; i++)
        {
            if (!csv.Read())
            {
                throw new InvalidOperationException($"Record {rows[i]} of a chunk did not read back.");
            }
            // A record taken with blank fields past the header's keeps the header's width, as the reader took it.
            var values = new string?[width];
            for (var c = 0; c < width && c < csv.RowFieldCount; c++)
            {
                var value = csv.GetString(c);
                values[c] = value.Length == 0 ? null : value; // an empty field is missing, as the reader took it
            }
            fields[i] = values;
        }
        return fields;
    }
}
