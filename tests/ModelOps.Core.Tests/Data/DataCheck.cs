using System.Text;
using ModelOps.Core.Data;

namespace ModelOps.Core.Tests.Data;

/// <summary>What a dataset file comes to after read, validate, clean and profile: success, or failure with its codes.</summary>
internal sealed record DataOutcome(bool Succeeded, IReadOnlyList<string> Errors, IReadOnlyList<string> Warnings, CsvReadResult? Read)
{
    public override string ToString() =>
        $"{(Succeeded ? "ok" : "failed")} errors=[{string.Join(",", Errors)}] warnings=[{string.Join(",", Warnings)}]";
}

/// <summary>Runs the whole data step the way the pipeline does, in memory.</summary>
internal static class DataCheck
{
    public static async Task<DataOutcome> RunAsync(byte[] bytes, string fileName, string label = "label",
        CsvReadOptions? options = null, long? declaredLength = null, Stream? stream = null)
    {
        CsvReadResult read;
        try
        {
            read = await DataFileReader.ReadAsync(stream ?? new MemoryStream(bytes), fileName, options, declaredLength);
        }
        catch (DataFileException e)
        {
            Assert.False(string.IsNullOrWhiteSpace(e.Message));
            return new DataOutcome(false, [e.Code], [e.Message], null);
        }
        var report = DataValidator.Validate(read.Table, new ValidationContext(Label: label, Read: read.Report));
        var errors = report.Errors.Select(a => a.Code).Distinct().ToArray();
        var warnings = report.Anomalies.Where(a => a.Severity == AnomalySeverity.Warning).Select(a => a.Code).Distinct().ToArray();
        foreach (var anomaly in report.Anomalies)
        {
            Assert.False(string.IsNullOrWhiteSpace(anomaly.Message));
        }
        if (errors.Length > 0)
        {
            return new DataOutcome(false, errors, warnings, read);
        }
        var cleaning = Cleaner.Clean(read.Table, label, read.RowNumbers);
        var profile = Profiler.Profile(cleaning.Table, baseline: report.Profile);
        Assert.Equal(cleaning.Table.ColumnCount, profile.Features.Count);
        return new DataOutcome(true, [], warnings, read);
    }

    public static byte[] Utf8(string text) => new UTF8Encoding(false).GetBytes(text);

    /// <summary>A small valid table with a label, <paramref name="rows"/> rows.</summary>
    public static string Valid(int rows = 40, char delimiter = ',', string newLine = "\n")
    {
        var text = new StringBuilder();
        text.Append(string.Join(delimiter, "age", "city", "income", "label")).Append(newLine);
        for (var i = 0; i < rows; i++)
        {
            text.Append(string.Join(delimiter, 20 + i % 50, i % 3 == 0 ? "paris" : "rome", 1000 + i * 37, i % 2 == 0 ? "yes" : "no")).Append(newLine);
        }
        return text.ToString();
    }
}
