using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ModelOps.Core.Data;
using Parquet;
using Parquet.Schema;

/// <summary>
/// The chunked read of one table as CSV, JSON lines and Parquet (100,000-row groups), each in a fresh process: seconds
/// and peak memory against the file's size. Shows that every format streams, not how fast pass 1 is.
/// </summary>
internal static class Formats
{
    private const int RowGroup = 100_000;

    public static async Task<int> RunAsync(int mb, int runs)
    {
        var folder = Directory.CreateTempSubdirectory("modelops-formats-");
        try
        {
            var csv = Path.Combine(folder.FullName, "data.csv");
            Generator.Write(csv, mb * 1_000_000L);
            var table = (await DataFileReader.ReadAsync(File.OpenRead(csv), csv, new CsvReadOptions { MaxRows = 50_000_000 })).Table;
            var jsonl = Path.Combine(folder.FullName, "data.jsonl");
            WriteJsonLines(table, jsonl);
            var parquet = Path.Combine(folder.FullName, "data.parquet");
            await WriteParquetAsync(table, parquet);
            var rows = table.RowCount;
            table = null;
            GC.Collect();

            Console.WriteLine($"{rows:N0} rows x 20 columns; chunked read with a consumer that does nothing; {runs} runs each, medians; fresh process per run");
            Console.WriteLine($"{"format",-8} {"file MB",8} {"seconds",8} {"MB/s",7} {"peak RSS MB",12} {"RSS / file",11}");
            foreach (var file in new[] { csv, jsonl, parquet })
            {
                var results = new List<(double Seconds, long PeakRss)>();
                for (var i = 0; i < runs; i++)
                {
                    results.Add(await ReadInChildAsync(file));
                }
                var bytes = new FileInfo(file).Length;
                var seconds = Stats.Median(results.Select(r => r.Seconds));
                var peak = Stats.Median(results.Select(r => (double)r.PeakRss));
                Console.WriteLine($"{Path.GetExtension(file)[1..],-8} {bytes / 1e6,8:0} {seconds,8:0.00} {bytes / 1e6 / seconds,7:0} {peak / 1e6,12:0} {peak / bytes,11:0.00}");
            }
            return 0;
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>The child's side: one chunked read, then one JSON line with the time and the peak RSS.</summary>
    public static async Task<int> ReadOnceAsync(string path)
    {
        var watch = Stopwatch.StartNew();
        long rows = 0;
        await using (var file = File.OpenRead(path))
        {
            await DataFileReader.ReadChunksAsync(file, path, new CsvReadOptions { MaxRows = 50_000_000 }, null, (chunk, _) =>
            {
                rows += chunk.Rows.RowCount;
                return ValueTask.CompletedTask;
            });
        }
        Console.WriteLine(JsonSerializer.Serialize(new { Seconds = watch.Elapsed.TotalSeconds, PeakRss = Pipeline.PeakRss(), Rows = rows }));
        return 0;
    }

    private static async Task<(double Seconds, long PeakRss)> ReadInChildAsync(string file)
    {
        var self = Environment.ProcessPath!;
        var selfArgs = self.EndsWith("dotnet", StringComparison.Ordinal) ? $"\"{typeof(Formats).Assembly.Location}\" " : "";
        var info = new ProcessStartInfo(self, $"{selfArgs}read \"{file}\"") { RedirectStandardOutput = true };
        using var process = Process.Start(info)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        using var json = JsonDocument.Parse(output.Trim().Split('\n')[^1]);
        return (json.RootElement.GetProperty("Seconds").GetDouble(), json.RootElement.GetProperty("PeakRss").GetInt64());
    }

    /// <summary>One object per row: numbers as numbers, booleans as true/false, missing values as null, the rest as strings.</summary>
    private static void WriteJsonLines(Table table, string path)
    {
        using var stream = File.Create(path);
        using var writer = new Utf8JsonWriter(stream);
        for (var r = 0; r < table.RowCount; r++)
        {
            writer.WriteStartObject();
            for (var c = 0; c < table.ColumnCount; c++)
            {
                var column = table.Schema.Columns[c];
                var text = CellText.Format(table, c, r);
                if (text is null) writer.WriteNull(column.Name);
                else if (column.Kind == ColumnKind.Numeric) writer.WriteNumber(column.Name, table.Numeric(c)[r]);
                else if (column.Kind == ColumnKind.Boolean) writer.WriteBoolean(column.Name, table.Numeric(c)[r] == 1);
                else writer.WriteString(column.Name, text);
            }
            writer.WriteEndObject();
            writer.Flush();
            writer.Reset();
            stream.WriteByte((byte)'\n');
        }
    }

    /// <summary>Numbers as optional doubles, everything else as strings, in row groups of <see cref="RowGroup"/>.</summary>
    private static async Task WriteParquetAsync(Table table, string path)
    {
        var fields = table.Schema.Columns
            .Select(c => c.Kind == ColumnKind.Numeric ? (DataField)new DataField<double?>(c.Name) : new DataField<string>(c.Name)).ToArray();
        await using var stream = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(fields), stream);
        for (var start = 0; start < table.RowCount; start += RowGroup)
        {
            var count = Math.Min(RowGroup, table.RowCount - start);
            using var group = writer.CreateRowGroup();
            for (var c = 0; c < fields.Length; c++)
            {
                if (fields[c] is DataField<double?>)
                {
                    var values = table.Numeric(c).AsSpan(start, count).ToArray().Select(v => double.IsNaN(v) ? (double?)null : v).ToArray();
                    await group.WriteAsync<double>(fields[c], values.AsMemory());
                }
                else
                {
                    await group.WriteAsync(fields[c], Enumerable.Range(start, count).Select(r => CellText.Format(table, c, r)).ToArray());
                }
            }
        }
    }
}
