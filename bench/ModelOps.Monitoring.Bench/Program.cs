using System.Diagnostics;
using System.Text.Json;
using ModelOps.Core.Data;
using ModelOps.Core.Monitoring;
using ModelOps.Core.Serving;
using ModelOps.Core.Serving.Traffic;
using ModelOps.Core.Storage;

// A monitor tick over a traffic window (default 1,000,000 rows × 20 features: 12 numeric, 8 categorical) against a
// 50,000-row baseline, timed in C# and, on the same data in the same run, in Python with scipy; prints medians and ratios.
// Also times how the window gets there in the product: its rows as the traffic log writes them (JSON lines, cut into
// blobs of the log's default size), read as TrafficReader reads a window (blob download excluded), then the whole tick
// (read + checks) against scipy's tick.
// Usage: dotnet run -c Release --project bench/ModelOps.Monitoring.Bench -- [rows] [baselineRows] [runs] [python|none] [trafficRows]
var rows = args.Length > 0 ? int.Parse(args[0]) : 1_000_000;
var baselineRows = args.Length > 1 ? int.Parse(args[1]) : 50_000;
var runs = args.Length > 2 ? int.Parse(args[2]) : 5;
var python = args.Length > 3 ? args[3] : "/usr/bin/python3";
var trafficRows = args.Length > 4 ? int.Parse(args[4]) : rows;
const int NumericFeatures = 12;
const int CategoricalFeatures = 8;

Console.WriteLine($"monitor tick: {rows:N0} window rows x {NumericFeatures + CategoricalFeatures} features vs {baselineRows:N0} baseline rows; {runs} runs; {Environment.ProcessorCount} cores");
var data = BenchData.Generate(rows, baselineRows, NumericFeatures, CategoricalFeatures, seed: 2024);
var folder = Directory.CreateTempSubdirectory("monitor-bench-");
data.Write(folder.FullName);

// Baselines are built once per model version (from the training profile), so they are outside the timed tick.
var baseline = new DriftBaseline(data.Names.Select((name, f) => f < NumericFeatures
    ? (FeatureBaseline)NumericBaseline.FromSample(name, data.ReferenceNumeric[f])
    : CategoricalBaseline.FromSample(name, data.ReferenceCategorical[f - NumericFeatures])).ToArray());
var window = data.Window();
var options = new DriftOptions();

DriftReport? report = null;
DataQualityReport? quality = null;
// What ModelMonitor runs on the window's table each tick.
var tick = Measure(runs, () => (report, quality) = WindowChecks.Evaluate(baseline, window, options));
var ks = Measure(runs, () =>
{
    Parallel.For(0, NumericFeatures, f =>
    {
        using var current = NumericWindow.From(data.CurrentNumeric[f]);
        KolmogorovSmirnov.TestSorted(((NumericBaseline)baseline.Features[f]).SortedValues, current.Sorted);
    });
});
Console.WriteLine($"C#  tick (drift + PSI + quality): median {tick}; KS on {NumericFeatures} numeric features: median {ks}");
Console.WriteLine($"    drifted {report!.DriftedFeatures}/{report.JudgedFeatures}, dataset drift {report.DatasetDrift}, quality alarm {quality!.Alarm}");

Timing? read = null, whole = null, steady = null;
if (trafficRows > 0)
{
    var blobs = TrafficLines.Write(data, trafficRows);
    var schema = data.Window().Schema;
    TrafficFrame? frame = null;
    read = Measure(runs, () => frame = TrafficLines.ReadAsTheMonitorDoes(blobs, schema));
    TrafficLines.Check(frame!, data, trafficRows);
    Console.WriteLine($"C#  traffic read ({trafficRows:N0} JSON lines, {blobs.Sum(b => b.Length) / 1e6:F0} MB in {blobs.Count} blobs -> columns): median {read}; " +
        $"{read.Value.Wall / trafficRows * 1e6 / 1000:F2} s per 1M rows");
    if (trafficRows == rows)
    {
        // What a tick costs in the product: the window's read, then the checks on the table it gives.
        whole = Measure(runs, () =>
        {
            frame = TrafficLines.ReadAsTheMonitorDoes(blobs, schema);
            WindowChecks.Evaluate(baseline, frame.Table, options, frame.TypeErrors);
        });
        Console.WriteLine($"C#  whole tick (read + checks): median {whole}");
        // The ticks after the first: the window kept from the last tick, five minutes (a twelfth) of traffic appended.
        var appended = TrafficLines.Write(data, trafficRows / 12, first: trafficRows);
        steady = MeasureAfter(runs, () =>
        {
            var (cache, next, all) = TrafficLines.KeptWindow(blobs, appended, schema, trafficRows);
            return () =>
            {
                frame = TrafficLines.ReadKept(cache, next, all);
                WindowChecks.Evaluate(baseline, frame.Table, options, frame.TypeErrors);
            };
        });
        if (frame!.Table.RowCount != trafficRows)
        {
            throw new InvalidOperationException($"The kept window read {frame.Table.RowCount:N0} rows, not {trafficRows:N0}.");
        }
        Console.WriteLine($"C#  whole tick with the window kept from the last tick (read of {appended.Sum(b => b.Length) / 1e6:F0} MB appended + checks on " +
            $"{frame!.Table.RowCount:N0} rows): median {steady}");
        // A window over monitor.maxWindowRows: lines sampled before they are parsed (WindowSampling).
        var bound = trafficRows / 4;
        TrafficFrame? sampled = null;
        var bounded = Measure(runs, () => sampled = TrafficLines.ReadAsTheMonitorDoes(blobs, schema, maxRows: bound));
        Console.WriteLine($"C#  traffic read, window bound {bound:N0} rows (monitor.maxWindowRows): median {bounded}; " +
            $"{sampled!.Table.RowCount:N0} rows read, share of lines {sampled.SampledShare:F3}");
        // The same with ground truth for one request in 20: the labelled lines the sample leaves out are read for their label.
        var labels = TrafficLines.Labels(trafficRows, every: 20);
        var withLabels = Measure(runs, () => sampled = TrafficLines.ReadAsTheMonitorDoes(blobs, schema, maxRows: bound, labels));
        Console.WriteLine($"C#  traffic read, window bound {bound:N0} rows, {labels.Count:N0} labels: median {withLabels}; " +
            $"{sampled!.Table.RowCount:N0} rows read, {sampled.Labelled.Count:N0} labelled ({sampled.Labelled.Count(l => l.Row < 0):N0} outside the sample)");
    }
}

if (python == "none")
{
    folder.Delete(recursive: true);
    return 0;
}
var script = Path.Combine(AppContext.BaseDirectory, "monitor_tick.py");
var start = new ProcessStartInfo(python, [script, folder.FullName, runs.ToString()]) { RedirectStandardOutput = true, RedirectStandardError = true };
using var process = Process.Start(start)!;
var output = await process.StandardOutput.ReadToEndAsync();
var error = await process.StandardError.ReadToEndAsync();
await process.WaitForExitAsync();
folder.Delete(recursive: true);
if (process.ExitCode != 0)
{
    Console.WriteLine($"python failed ({process.ExitCode}): {error}");
    return 1;
}
var result = JsonDocument.Parse(output.Trim().Split('\n')[^1]).RootElement;
var pyTick = new Timing(result.GetProperty("tickMs").GetDouble(), result.GetProperty("tickCpuMs").GetDouble());
var pyKs = new Timing(result.GetProperty("ksMs").GetDouble(), result.GetProperty("ksCpuMs").GetDouble());
Console.WriteLine($"py  tick (drift + PSI + quality): median {pyTick}; KS on {NumericFeatures} numeric features: median {pyKs}");
Console.WriteLine($"    drifted {result.GetProperty("drifted").GetInt32()}/{NumericFeatures + CategoricalFeatures}");
Console.WriteLine($"ratio scipy/C#: tick {pyTick.Wall / tick.Wall:F1}x (CPU {pyTick.Cpu / tick.Cpu:F1}x), KS {pyKs.Wall / ks.Wall:F1}x (CPU {pyKs.Cpu / ks.Cpu:F1}x)");
if (whole is { } w)
{
    // scipy's side starts from arrays already in memory; the C# side here starts from the JSON lines.
    Console.WriteLine($"ratio scipy tick / C# whole tick (read + checks): {pyTick.Wall / w.Wall:F1}x (CPU {pyTick.Cpu / w.Cpu:F1}x)");
}
if (steady is { } k)
{
    Console.WriteLine($"ratio scipy tick / C# whole tick with the window kept (read of what was appended + checks): {pyTick.Wall / k.Wall:F1}x (CPU {pyTick.Cpu / k.Cpu:F1}x)");
}

// Both sides judged the same data: the drift decisions must agree.
var pyDistances = result.GetProperty("distances").EnumerateArray().Select(e => e.GetDouble()).ToArray();
var worst = report.Features.Select((f, i) => Math.Abs(f.Distance!.Value - pyDistances[i]) / Math.Max(pyDistances[i], 1e-300)).Max();
Console.WriteLine($"largest relative difference between C# and scipy distances: {worst:E1}");
return 0;

static Timing Measure(int runs, Action action) => MeasureAfter(runs, () => action);

// Each run's untimed setup returns the action timed.
static Timing MeasureAfter(int runs, Func<Action> setup)
{
    setup()(); // warm-up: JIT and first-touch allocations
    var wall = new double[runs];
    var cpu = new double[runs];
    using var process = Process.GetCurrentProcess();
    for (var i = 0; i < runs; i++)
    {
        var action = setup();
        process.Refresh();
        var cpuStart = process.TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        action();
        wall[i] = watch.Elapsed.TotalMilliseconds;
        process.Refresh();
        cpu[i] = (process.TotalProcessorTime - cpuStart).TotalMilliseconds;
    }
    Array.Sort(wall);
    Array.Sort(cpu);
    return new Timing(wall[runs / 2], cpu[runs / 2]);
}

/// <summary>Medians of wall-clock and CPU (all threads) milliseconds.</summary>
internal readonly record struct Timing(double Wall, double Cpu)
{
    public override string ToString() => $"{Wall:F1} ms (CPU {Cpu:F1} ms)";
}

/// <summary>Seeded mixed data with a few drifted features, and its binary hand-off to the Python side.</summary>
internal sealed class BenchData
{
    public required string[] Names { get; init; }
    public required double[][] ReferenceNumeric { get; init; }
    public required double[][] CurrentNumeric { get; init; }
    public required string?[][] ReferenceCategorical { get; init; }
    public required string?[][] CurrentCategorical { get; init; }
    public required int[][] ReferenceCodes { get; init; }
    public required int[][] CurrentCodes { get; init; }
    public required string[][] Levels { get; init; }

    public static BenchData Generate(int rows, int baselineRows, int numeric, int categorical, int seed)
    {
        var random = new Random(seed);
        var names = Enumerable.Range(0, numeric).Select(i => $"num{i}").Concat(Enumerable.Range(0, categorical).Select(i => $"cat{i}")).ToArray();
        var refNum = new double[numeric][];
        var curNum = new double[numeric][];
        for (var f = 0; f < numeric; f++)
        {
            // Every fourth numeric feature shifts by half a standard deviation; 1% of traffic values are missing.
            var shift = f % 4 == 0 ? 0.5 : 0.0;
            refNum[f] = Normal(random, baselineRows, 10 * f, 1 + f, 0.0);
            curNum[f] = Normal(random, rows, 10 * f + shift * (1 + f), 1 + f, 0.01);
        }
        var levels = new string[categorical][];
        var refCodes = new int[categorical][];
        var curCodes = new int[categorical][];
        var refCat = new string?[categorical][];
        var curCat = new string?[categorical][];
        for (var f = 0; f < categorical; f++)
        {
            var count = 5 + 6 * f;
            levels[f] = Enumerable.Range(0, count + 1).Select(i => $"level-{f}-{i}").ToArray(); // the last level is unseen in training
            refCodes[f] = Codes(random, baselineRows, count, skew: 0);
            curCodes[f] = Codes(random, rows, count, skew: f % 4 == 0 ? 1 : 0);
            refCat[f] = refCodes[f].Select(c => c < 0 ? null : levels[f][c]).ToArray();
            curCat[f] = curCodes[f].Select(c => c < 0 ? null : levels[f][c]).ToArray();
        }
        return new BenchData
        {
            Names = names, ReferenceNumeric = refNum, CurrentNumeric = curNum, ReferenceCategorical = refCat,
            CurrentCategorical = curCat, ReferenceCodes = refCodes, CurrentCodes = curCodes, Levels = levels,
        };
    }

    public Table Window()
    {
        var columns = new List<object>();
        var schema = new List<ColumnSchema>();
        for (var f = 0; f < Names.Length; f++)
        {
            var numeric = f < CurrentNumeric.Length;
            schema.Add(new ColumnSchema(Names[f], numeric ? ColumnKind.Numeric : ColumnKind.Categorical));
            columns.Add(numeric ? CurrentNumeric[f] : CurrentCategorical[f - CurrentNumeric.Length]);
        }
        return new Table(new TableSchema(schema), columns);
    }

    public void Write(string folder)
    {
        for (var f = 0; f < ReferenceNumeric.Length; f++)
        {
            File.WriteAllBytes(Path.Combine(folder, $"ref_num{f}.f64"), System.Runtime.InteropServices.MemoryMarshal.AsBytes(ReferenceNumeric[f].AsSpan()).ToArray());
            File.WriteAllBytes(Path.Combine(folder, $"cur_num{f}.f64"), System.Runtime.InteropServices.MemoryMarshal.AsBytes(CurrentNumeric[f].AsSpan()).ToArray());
        }
        for (var f = 0; f < ReferenceCodes.Length; f++)
        {
            File.WriteAllBytes(Path.Combine(folder, $"ref_cat{f}.i32"), System.Runtime.InteropServices.MemoryMarshal.AsBytes(ReferenceCodes[f].AsSpan()).ToArray());
            File.WriteAllBytes(Path.Combine(folder, $"cur_cat{f}.i32"), System.Runtime.InteropServices.MemoryMarshal.AsBytes(CurrentCodes[f].AsSpan()).ToArray());
        }
        File.WriteAllText(Path.Combine(folder, "meta.json"), JsonSerializer.Serialize(new { numeric = ReferenceNumeric.Length, levels = Levels }));
    }

    private static double[] Normal(Random random, int n, double mean, double std, double missing)
    {
        var values = new double[n];
        for (var i = 0; i < n; i++)
        {
            values[i] = random.NextDouble() < missing ? double.NaN : mean + std * random.NextGaussian();
        }
        return values;
    }

    private static int[] Codes(Random random, int n, int count, int skew)
    {
        var codes = new int[n];
        for (var i = 0; i < n; i++)
        {
            var u = random.NextDouble();
            // Zipf-like weights by squaring; a skewed window squares once more. 0.5% missing, 0.1% unseen level in traffic.
            codes[i] = u < 0.005 ? -1 : (int)(Math.Pow(random.NextDouble(), 2 + skew) * count);
        }
        if (n > 100_000)
        {
            for (var i = 0; i < n; i += 1000)
            {
                codes[i] = count;
            }
        }
        return codes;
    }
}

internal static class RandomExtensions
{
    /// <summary>A standard normal deviate by Box-Muller.</summary>
    public static double NextGaussian(this Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}

/// <summary>The bench window as traffic-log lines, and the monitor's way of reading them back into a table.</summary>
internal static class TrafficLines
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 10, 0, 0, TimeSpan.Zero);

    /// <summary>Largest blob, as <c>TrafficLogOptions.MaxBlobBytes</c> defaults it: the log starts a new blob past it.</summary>
    private const int BlobBytes = 64 * 1024 * 1024;

    /// <summary>One line per row in the shape TrafficLog writes (TrafficRecord through Json.Options); missing values as null; cut into blobs.</summary>
    /// <param name="first">The first line's number: lines are a millisecond apart, and those past the data's rows take
    /// its values again from the start (new requests, the same features).</param>
    public static List<byte[]> Write(BenchData data, int rows, int first = 0)
    {
        var blobs = new List<byte[]>();
        using var stream = new MemoryStream();
        using var writer = new Utf8JsonWriter(stream);
        var numeric = data.CurrentNumeric.Length;
        var count = data.CurrentNumeric[0].Length;
        for (var line = first; line < first + rows; line++)
        {
            var r = line % count;
            writer.WriteStartObject();
            writer.WriteString("requestId", $"req-{line:D8}");
            writer.WriteNumber("row", 0);
            writer.WriteString("time", Start.AddMilliseconds(line));
            writer.WriteString("model", "bench");
            writer.WriteNumber("version", 1);
            writer.WriteStartObject("features");
            for (var f = 0; f < data.Names.Length; f++)
            {
                if (f < numeric)
                {
                    var v = data.CurrentNumeric[f][r];
                    if (double.IsNaN(v))
                    {
                        writer.WriteNull(data.Names[f]);
                    }
                    else
                    {
                        writer.WriteNumber(data.Names[f], v);
                    }
                }
                else if (data.CurrentCategorical[f - numeric][r] is { } level)
                {
                    writer.WriteString(data.Names[f], level);
                }
                else
                {
                    writer.WriteNull(data.Names[f]);
                }
            }
            writer.WriteEndObject();
            writer.WriteStartObject("prediction");
            writer.WriteBoolean("label", r % 3 == 0);
            writer.WriteNumber("probability", (r % 1000) / 1000.0);
            writer.WriteEndObject();
            writer.WriteNumber("latencyMs", 0.25);
            writer.WriteNumber("requestRows", 1);
            writer.WriteEndObject();
            writer.Flush();
            writer.Reset();
            stream.WriteByte((byte)'\n');
            if (stream.Length > BlobBytes - 4096)
            {
                blobs.Add(stream.ToArray());
                stream.SetLength(0);
            }
        }
        if (stream.Length > 0)
        {
            blobs.Add(stream.ToArray());
        }
        return blobs;
    }

    /// <summary>What ModelMonitor does before WindowChecks, as TrafficReader.ReadFrameAsync does it: the window's blobs read at once into columns, then joined.</summary>
    /// <param name="maxRows">The window's bound (<c>monitor.maxWindowRows</c>); null reads every line.</param>
    public static TrafficFrame ReadAsTheMonitorDoes(List<byte[]> blobs, TableSchema schema, long? maxRows = null, FeedbackLabels? labels = null) =>
        ReadAsync(blobs, schema, maxRows, labels).GetAwaiter().GetResult();

    /// <summary>A label for every <paramref name="every"/>-th request of the window, as the monitor reads them from feedback.</summary>
    public static FeedbackLabels Labels(int rows, int every)
    {
        var labels = new FeedbackLabels();
        var label = JsonSerializer.SerializeToElement(true);
        for (var r = 0; r < rows; r += every)
        {
            labels.Add(new FeedbackRecord($"req-{r:D8}", 0, label, Start));
        }
        return labels;
    }

    private static async Task<TrafficFrame> ReadAsync(List<byte[]> blobs, TableSchema schema, long? maxRows, FeedbackLabels? labels)
    {
        var request = new TrafficFrameRequest(schema, Start, Start.AddDays(1), version: 1, labels) { MaxRows = maxRows };
        var sampling = maxRows is { } max ? new WindowSampling(max, blobs.Sum(b => (long)b.Length)) : null;
        var parts = new TrafficColumns[blobs.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, blobs.Count), new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
            async (i, token) => parts[i] = await TrafficColumns.ReadAsync(new MemoryStream(blobs[i], writable: false), request, sampling, i, token));
        return TrafficTable.Merge(request, parts, out _);
    }

    /// <summary>
    /// A tick a few minutes after the last, with the window kept between ticks (TrafficReader with
    /// <c>KeepBetweenReads</c>, as ModelMonitor reads): the window of <paramref name="blobs"/>' first lines was read and
    /// kept; then <paramref name="appended"/> (a twelfth more lines: five minutes of a 60-minute window) came in, and the
    /// window moved on by as many lines. Returns a cache holding the first window, and the second window's request and
    /// blobs; the read of it is what <see cref="ReadKept"/> times.
    /// </summary>
    public static (TrafficWindowCache Cache, TrafficFrameRequest Next, List<byte[]> All) KeptWindow(List<byte[]> blobs, List<byte[]> appended,
        TableSchema schema, int rows)
    {
        var cache = new TrafficWindowCache(Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        var first = new TrafficFrameRequest(schema, Start, Start.AddMilliseconds(rows), version: 1) { KeepBetweenReads = true };
        ReadKept(cache, first, blobs);
        var moved = appended.Sum(b => b.Length) > 0 ? rows / 12 : 0;
        var next = new TrafficFrameRequest(schema, Start.AddMilliseconds(moved), Start.AddMilliseconds(rows + moved), version: 1) { KeepBetweenReads = true };
        // Five minutes pass between ticks: the garbage of the first read is collected by then.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        return (cache, next, [.. blobs, .. appended]);
    }

    public static TrafficFrame ReadKept(TrafficWindowCache cache, TrafficFrameRequest request, List<byte[]> blobs)
    {
        var listed = blobs.Select((b, i) => new ListedBlob($"bench/{i:D4}.jsonl", b.Length, Start)).ToList();
        var read = cache.ReadAsync(ModelName.Parse("bench"), request, listed,
            (blob, offset, _) => Task.FromResult<Stream>(new MemoryStream(blobs[listed.IndexOf(blob)], (int)offset, (int)(blob.Length - offset), writable: false)),
            CancellationToken.None).GetAwaiter().GetResult();
        return read?.Frame ?? throw new InvalidOperationException("The bench window was not kept.");
    }

    /// <summary>The read table holds the bench's values: the lines were in the format the reader expects.</summary>
    public static void Check(TrafficFrame frame, BenchData data, int rows)
    {
        var numeric = frame.Table.Numeric(0);
        var levels = frame.Table.Categorical(data.CurrentNumeric.Length);
        for (var r = 0; r < rows; r++)
        {
            if (!numeric[r].Equals(data.CurrentNumeric[0][r]) || levels[r] != data.CurrentCategorical[0][r])
            {
                throw new InvalidOperationException($"Row {r} of the traffic read differs from the data written.");
            }
        }
    }
}
