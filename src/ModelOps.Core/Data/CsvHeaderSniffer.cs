using Sylvan.Data.Csv;

namespace ModelOps.Core.Data;

/// <summary>
/// Decides whether a CSV's first row is a header, from the start of the file, in the spirit of Python's
/// <c>csv.Sniffer.has_header</c> but on this reader's kinds. Each column whose data rows read as one kind votes: numbers,
/// booleans or dates below a first cell of the same kind say "no header"; below a word they say "header". Over a text
/// column, a first cell that repeats one of its values says "no header", and a new word over repeating values "header".
/// Ties, files of distinct words and files with no data rows in view keep the header, as nearly every export has one.
/// </summary>
internal static class CsvHeaderSniffer
{
    /// <summary>Data rows looked at, at most.</summary>
    public const int SampleRows = 50;

    /// <summary>Share of a column's present data cells that must read as one kind for it to vote.</summary>
    private const double KindShare = 0.9;

    /// <param name="text">The start of the file, decoded.</param>
    /// <param name="complete">Whether <paramref name="text"/> is the whole file (else its last record may be cut off).</param>
    public static bool HasHeader(string text, char delimiter, bool complete)
    {
        var records = Records(text, delimiter, complete);
        if (records.Count < 2)
        {
            return true;
        }
        var first = records[0];
        var votes = 0;
        for (var c = 0; c < first.Length; c++)
        {
            votes += Vote(first[c].Trim(), records.Skip(1).Select(r => c < r.Length ? r[c].Trim() : "").Where(v => !CellText.IsMissing(v)).ToList());
        }
        return votes >= 0;
    }

    private static int Vote(string head, List<string> data)
    {
        if (data.Count == 0 || CellText.IsMissing(head))
        {
            return 0;
        }
        foreach (var reads in Kinds)
        {
            if (data.Count(v => reads(v)) >= KindShare * data.Count)
            {
                return reads(head) ? -1 : 1;
            }
        }
        if (data.Contains(head, StringComparer.OrdinalIgnoreCase))
        {
            return -1;
        }
        // A word new to a column whose values repeat (a few levels) is likely its name; among all-distinct values it says nothing.
        return data.Distinct(StringComparer.OrdinalIgnoreCase).Count() < data.Count ? 1 : 0;
    }

    private static readonly Func<string, bool>[] Kinds =
    [
        v => CellText.TryParseNumber(v, out _),
        v => CellText.TryParseBoolean(v, acceptDigits: false, out _),
        v => CellText.TryParseDate(v, out _),
    ];

    /// <summary>The first records of the text (RFC 4180 quoting, blank lines skipped), without a cut-off last one.</summary>
    private static List<string[]> Records(string text, char delimiter, bool complete)
    {
        var records = new List<string[]>();
        var reachedEnd = false;
        var options = new CsvDataReaderOptions { HasHeaders = false, Delimiter = delimiter, CsvStyle = CsvStyle.Standard, Comment = '\0' };
        try
        {
            using var csv = CsvDataReader.Create(new StringReader(text), options);
            while (records.Count <= SampleRows)
            {
                if (!csv.Read())
                {
                    reachedEnd = true;
                    break;
                }
                var fields = new string[csv.RowFieldCount];
                for (var i = 0; i < fields.Length; i++)
                {
                    fields[i] = csv.GetString(i);
                }
                if (fields.Length > 1 || (fields.Length == 1 && fields[0].Trim().Length > 0))
                {
                    records.Add(fields);
                }
            }
        }
        catch (Exception e) when (e is CsvFormatException or CsvRecordTooLargeException)
        {
            return records; // broken quoting or one huge record: judge on the records before it; the read itself reports the file
        }
        if (reachedEnd && !complete && records.Count > 0 && !text.EndsWith('\n') && !text.EndsWith('\r'))
        {
            records.RemoveAt(records.Count - 1); // the prefix ends inside its last record
        }
        return records;
    }
}
