using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using ModelOps.Core.Data;
using ModelOps.Core.Pipelines.Activities;
using static Stats;

// End-to-end data benchmark: the pipeline's data steps (IngestActivity's streaming read + data pass, validation and plan;
// the kept rows read back cleaned and split, as training reads them) on a generated CSV, side by side with pandas
// (read_csv + drop_duplicates + dropna(label) + fillna + describe). BENCH_GC=1 prints memory and GC figures to stderr.
//   dotnet run -c Release --project bench/ModelOps.Data.Bench -- compare [--mb 200] [--runs 5] [--file path] [--keep]
//     (also each engine's floor, its peak memory on a 4 MB file of the same shape, so the pass's own memory shows)
//   dotnet run -c Release --project bench/ModelOps.Data.Bench -- generate <path> [--mb 200]
//   dotnet run -c Release --project bench/ModelOps.Data.Bench -- formats [--mb 100] [--runs 3]  (the same table as CSV, JSON
//     lines and Parquet, each read in chunks in a fresh process: seconds and peak memory against the file)
//   dotnet run -c Release --project bench/ModelOps.Data.Bench -- once <path> [--cold] [--warmups 12]  (one .NET pass, prints
//       JSON; first the same steps on a 4 MB file --warmups times, as a host that has taken in a dozen files has run them,
//       so tiered compilation has finished; --cold: none, the first file of a fresh process; --gather: then the cleaned
//       rows gathered into one table per side, as training holds them, with the memory that takes, on stderr)
var command = args.Length > 0 ? args[0] : "compare";
var mb = IntArg("--mb", 200);
switch (command)
{
    case "generate":
        Generator.Write(args[1], mb * 1_000_000L);
        return 0;
    case "once":
        if (!args.Contains("--cold"))
        {
            // Steady state, as in a long-running host: JIT and tiering happen on a small file first.
            var warmup = Path.Combine(Path.GetTempPath(), $"modelops-bench-warmup-{Environment.ProcessId}.csv");
            Generator.Write(warmup, 4_000_000);
            // Tiered compilation needs a few chunks before every hot loop runs fully optimized.
            for (var i = 0; i < IntArg("--warmups", 12); i++)
            {
                await Pipeline.RunAsync(warmup);
            }
            File.Delete(warmup);
        }
        Console.WriteLine(JsonSerializer.Serialize(await Pipeline.RunAsync(args[1], gather: args.Contains("--gather"))));
        return 0;
    case "formats":
        return await Formats.RunAsync(IntArg("--mb", 100), IntArg("--runs", 3));
    case "read":
        return await Formats.ReadOnceAsync(args[1]);
    case "consumer":
        await ConsumerProbe.RunAsync(args[1]);
        return 0;
    case "compare":
        return await Compare.RunAsync(StringArg("--file"), mb, IntArg("--runs", 5), args.Contains("--keep"));
    default:
        Console.Error.WriteLine($"Unknown command '{command}'. Use compare, formats, generate, once, read or consumer.");
        return 2;
}

int IntArg(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}

string? StringArg(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

/// <summary>One measured pass, as JSON, for the comparison table.</summary>
internal sealed record PassResult(string Engine, double Seconds, long Bytes, long Rows, long PeakRssBytes, double ReadSeconds,
    double ValidateSeconds, double CleanSeconds, double ProfileSeconds, int Anomalies, long RowsOut, double CpuSeconds);

internal static class Stats
{
    /// <summary>The middle value (the mean of the two middle ones for an even count).</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}

internal static class Pipeline
{
    private static readonly CsvReadOptions ReadOptions = new() { MaxRows = 50_000_000 };

    // The pipeline's data steps with files for blobs, as IngestActivity runs them: the CSV read in chunks, the first data
    // pass on each chunk as it is parsed (profile, validation counts, duplicates, missing labels), the kept rows to a chunk
    // file; validation, the plan and what it does. Then the kept rows read back cleaned and split, as training reads them.
    public static async Task<PassResult> RunAsync(string path, bool gather = false)
    {
        var bytes = new FileInfo(path).Length;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var total = Stopwatch.StartNew();
        var folder = Directory.CreateTempSubdirectory("modelops-bench-").FullName;
        try
        {
            var keptPath = Path.Combine(folder, "kept" + ChunkFile.Extension);
            ChunkedReadResult read;
            DataPass? pass = null;
            ChunkFileWriter? writer = null;
            var passSeconds = 0.0; // on the chunk consumer's thread: the first data pass and the spill
            // Rows set aside and lines the reader cannot take go to spill files as they are found, as IngestActivity sends
            // them to the run's folder.
            await using (var spill = new FileStream(Path.Combine(folder, "rejected.jsonl"), FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
            await using (var unreadableSpill = new FileStream(Path.Combine(folder, "unreadable.jsonl"), FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
            await using (var output = new FileStream(keptPath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
            await using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan))
            {
                var unreadable = new RejectedRowLog(unreadableSpill);
                read = await DataFileReader.ReadChunksAsync(stream, Path.GetFileName(path), ReadOptions, bytes, (chunk, _) =>
                {
                    var started = Stopwatch.GetTimestamp();
                    unreadable.AddPosted();
                    writer ??= ChunkFile.CreateWriter(output, chunk.Rows.Schema);
                    pass ??= new DataPass(chunk.Rows.Schema, "label", expectedRows: DataPass.ExpectedRows(bytes, chunk, ReadOptions.MaxRows), rejected: new RejectedRowLog(spill));
                    writer.Write(chunk.Rows, chunk.RowNumbers, pass.Add(chunk));
                    passSeconds += Stopwatch.GetElapsedTime(started).TotalSeconds;
                    return ValueTask.CompletedTask;
                }, onRejected: unreadable.Post);
                unreadable.AddPosted();
                writer!.Complete();
                writer.Dispose();
            }
            var readSeconds = total.Elapsed.TotalSeconds;
            var readCpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
            Memory("after read and pass 1");
            if (Environment.GetEnvironmentVariable("BENCH_GC") is not null)
            {
                Console.Error.WriteLine($"read + pass 1: {readSeconds:0.00} s wall, {readCpu:0.00} s CPU; of the wall, the chunk consumer (pass 1 + spill) was busy {passSeconds:0.00} s");
            }

            var found = pass!.Finish(read.Report);
            var profileSeconds = total.Elapsed.TotalSeconds - readSeconds;
            var validateSeconds = 0.0; // judged in Finish, from the counts taken in pass 1
            var plan = found.Plan ?? throw new InvalidOperationException("validation failed: " + string.Join("; ", found.Validation.Errors.Select(e => e.Message)));

            // Clean: the kept rows read back through the plan and the split, as every later step reads them (CleanedRows);
            // nothing is written. Counted here so the figure ends, as pandas' does, with cleaned rows. Gathering a side's
            // rows into one table is the trainer's own, as reading train.chunks into one was before.
            long rowsOut = 0;
            // As Clean and the steps after it: the identifier columns are left out of the read.
            var identifiers = IdentifierColumns.Find(writer.Schema, plan.RowsKept, pass.Distinct, plan.LabelColumn);
            if (Environment.GetEnvironmentVariable("BENCH_GC") is not null && identifiers.Count > 0) Console.Error.WriteLine("identifier columns, left out of the cleaned read: " + string.Join(", ", identifiers));
            var split = new HoldoutSplit(0.2, 1, Stratify: true);
            CleanedRows? cleaned = null;
            ForEachChunk(keptPath, identifiers, chunk =>
            {
                cleaned ??= new CleanedRows(chunk.Rows.Schema, plan, split);
                var sides = cleaned.Split(chunk);
                rowsOut += sides.Train.Count + sides.Holdout.Count;
            });
            var cleanSeconds = total.Elapsed.TotalSeconds - readSeconds - profileSeconds;
            if (Environment.GetEnvironmentVariable("BENCH_GC") is not null) Console.Error.WriteLine("files: " + string.Join(", ", Directory.GetFiles(folder).Select(f => $"{Path.GetFileName(f)} {new FileInfo(f).Length / 1e6:0.0} MB")));
            total.Stop();
            Memory("after the cleaned read");
            if (Environment.GetEnvironmentVariable("BENCH_GC") is not null)
            {
                Console.Error.WriteLine($"cpu: read + pass 1 {readCpu:0.00} s, total {(Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds:0.00} s");
                Console.Error.WriteLine($"gc0 {GC.CollectionCount(0)} gc1 {GC.CollectionCount(1)} gc2 {GC.CollectionCount(2)} pause {GC.GetTotalPauseDuration().TotalSeconds:0.00}s alloc {GC.GetTotalAllocatedBytes() / 1e6:0} MB");
            }
            var result = new PassResult("modelops", total.Elapsed.TotalSeconds, bytes, pass.RowCount, PeakRss(), readSeconds,
                validateSeconds, cleanSeconds, profileSeconds, found.Validation.Anomalies.Count, rowsOut,
                (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds);
            if (gather)
            {
                Gather(keptPath, plan, split, pass.Split(split), identifiers);
            }
            return result;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    // After the pass: both sides of the cleaned rows as one table each, as RunStore reads them for training, evaluation
    // and registration (identifier columns left out, each side allocated at the size the split counted).
    private static void Gather(string keptPath, CleaningPlan plan, HoldoutSplit split, (long Train, long Holdout) sides, IReadOnlyList<string> identifiers)
    {
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var started = Stopwatch.GetTimestamp();
        using var kept = File.OpenRead(keptPath);
        var (train, holdout) = CleanedRows.Read(kept, plan, split, leaveOut: identifiers, expected: sides);
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var held = GC.GetTotalMemory(forceFullCollection: true) - before;
        Console.Error.WriteLine($"gathered as training holds them: {seconds:0.00} s, {train.Table.RowCount:N0} + {holdout.Table.RowCount:N0} rows x " +
            $"{train.Table.ColumnCount} columns, {held / 1e6:0} MB held, peak RSS {PeakRss() / 1e6:0} MB");
        GC.KeepAlive(train);
        GC.KeepAlive(holdout);
    }

    private static void Memory(string when)
    {
        if (Environment.GetEnvironmentVariable("BENCH_GC") is null) return;
        if (Environment.GetEnvironmentVariable("BENCH_GC") == "maps")
        {
            // Resident memory by mapping: the GC heap is anonymous memory, assemblies are file mappings.
            var byName = new Dictionary<string, long>();
            string name = "";
            foreach (var line in File.ReadLines("/proc/self/smaps"))
            {
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length >= 5 && parts[0].Contains('-') && !line.StartsWith("Rss")) name = parts.Length >= 6 ? Path.GetFileName(parts[5]) : "[anon]";
                else if (line.StartsWith("Rss:")) byName[name] = byName.GetValueOrDefault(name) + long.Parse(parts[1]);
            }
            Console.Error.WriteLine(when + ": " + string.Join(", ", byName.OrderByDescending(kv => kv.Value).Take(8).Select(kv => $"{kv.Key} {kv.Value / 1024} MB")));
        }
        var info = GC.GetGCMemoryInfo(GCKind.Any);
        Console.Error.WriteLine($"{when}: allocated so far {GC.GetTotalAllocatedBytes(true) / 1e6:0} MB, heap {info.HeapSizeBytes / 1e6:0} MB, live {GC.GetTotalMemory(true) / 1e6:0} MB, committed {info.TotalCommittedBytes / 1e6:0} MB, peak RSS {PeakRss() / 1e6:0} MB, RSS {Environment.WorkingSet / 1e6:0} MB");
    }

    private static void ForEachChunk(string path, IReadOnlyCollection<string> leaveOut, Action<TableChunk> action)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        var e = ChunkFile.Read(stream, reuseArrays: true, leaveOut).Chunks.GetEnumerator();
        double read = 0, act = 0;
        while (true)
        {
            var t0 = Stopwatch.GetTimestamp();
            if (!e.MoveNext()) break;
            var t1 = Stopwatch.GetTimestamp();
            action(e.Current);
            read += (t1 - t0) / (double)Stopwatch.Frequency; act += Stopwatch.GetElapsedTime(t1).TotalSeconds;
        }
        if (Environment.GetEnvironmentVariable("BENCH_GC") is not null) Console.Error.WriteLine($"cleaned read: decode {read:0.00} s, clean and split {act:0.00} s");
    }

    /// <summary>Peak resident set size of this process (VmHWM), the same measure as Python's ru_maxrss.</summary>
    public static long PeakRss()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                return long.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
            }
        }
        return Process.GetCurrentProcess().PeakWorkingSet64;
    }
}

/// <summary>A deterministic CSV with 20 mixed columns: floats, ints, categories, booleans, ISO dates, ~2% missing, ~1% duplicates.</summary>
internal static class Generator
{
    private static readonly string[] Cities = ["london", "paris", "berlin", "madrid", "rome", "lisbon", "dublin", "vienna", "prague", "oslo",
        "warsaw", "athens", "helsinki", "riga", "sofia", "zagreb"];

    private static readonly string[] Plans = ["free", "basic", "plus", "pro", "enterprise"];

    public static void Write(string path, long targetBytes)
    {
        var random = new Random(42);
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 20) { NewLine = "\n" };
        writer.WriteLine("customer_id,age,income,balance,score_a,score_b,score_c,ratio,tenure_days,visits,city,plan,segment,channel,is_active,has_card,signup_date,last_amount,discount,label");
        var line = new StringBuilder(256);
        var previous = "";
        long written = 0;
        var id = 0;
        while (written < targetBytes)
        {
            string text;
            if (previous.Length > 0 && random.NextDouble() < 0.01)
            {
                text = previous; // an exact duplicate
            }
            else
            {
                line.Clear();
                var inv = CultureInfo.InvariantCulture;
                line.Append(id++).Append(',');
                line.Append(Missing(random) ? "" : random.Next(18, 90).ToString(inv)).Append(',');
                line.Append(Math.Round(20_000 + random.NextDouble() * 180_000, 2).ToString(inv)).Append(',');
                line.Append(Math.Round((random.NextDouble() - 0.3) * 50_000, 2).ToString(inv)).Append(',');
                line.Append(Math.Round(random.NextDouble(), 4).ToString(inv)).Append(',');
                line.Append(Missing(random) ? "" : Math.Round(random.NextDouble() * 100, 3).ToString(inv)).Append(',');
                line.Append(Math.Round(Gaussian(random) * 15 + 50, 3).ToString(inv)).Append(',');
                line.Append(Math.Round(random.NextDouble() * 3, 5).ToString(inv)).Append(',');
                line.Append(random.Next(0, 4000).ToString(inv)).Append(',');
                line.Append(random.Next(0, 200).ToString(inv)).Append(',');
                line.Append(Missing(random) ? "" : Cities[random.Next(Cities.Length)]).Append(',');
                line.Append(Plans[random.Next(Plans.Length)]).Append(',');
                line.Append("seg_").Append(random.Next(0, 40).ToString(inv)).Append(',');
                line.Append(random.Next(3) switch { 0 => "web", 1 => "store", _ => "phone" }).Append(',');
                line.Append(random.Next(2) == 0 ? "true" : "false").Append(',');
                line.Append(Missing(random) ? "" : random.Next(2) == 0 ? "true" : "false").Append(',');
                line.Append(new DateTime(2015, 1, 1).AddDays(random.Next(0, 3650)).ToString("yyyy-MM-dd", inv)).Append(',');
                line.Append(Math.Round(random.NextDouble() * 999, 2).ToString(inv)).Append(',');
                line.Append(Math.Round(random.NextDouble() * 0.3, 3).ToString(inv)).Append(',');
                line.Append(random.Next(2) == 0 ? "yes" : "no");
                text = line.ToString();
                previous = text;
            }
            writer.WriteLine(text);
            written += text.Length + 1;
        }
    }

    private static bool Missing(Random random) => random.NextDouble() < 0.02;

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}

internal static class Compare
{
    public static async Task<int> RunAsync(string? file, int mb, int runs, bool keep)
    {
        var path = file ?? Path.Combine(Path.GetTempPath(), $"modelops-bench-{mb}mb.csv");
        var generated = false;
        if (!File.Exists(path))
        {
            Console.WriteLine($"Generating {mb} MB at {path} ...");
            Generator.Write(path, mb * 1_000_000L);
            generated = true;
        }
        var self = Environment.ProcessPath!;
        var selfArgs = self.EndsWith("dotnet", StringComparison.Ordinal) ? $"\"{typeof(Compare).Assembly.Location}\" " : "";
        var script = FindScript();
        var ours = new List<PassResult>();
        var cold = new List<PassResult>();
        var pandas = new List<PassResult>();
        var floors = new List<(PassResult Ours, PassResult Cold, PassResult Pandas)>();
        var small = Path.Combine(Path.GetTempPath(), $"modelops-bench-floor-{Environment.ProcessId}.csv");
        try
        {
            // Each process's floor: its peak on a 4 MB file of the same shape (runtime, libraries, code), so that what the
            // pass itself takes can be told from what any process of that kind takes.
            Generator.Write(small, 4_000_000);
            for (var i = 0; i < 3; i++)
            {
                floors.Add((await RunChildAsync(self, $"{selfArgs}once \"{small}\""), await RunChildAsync(self, $"{selfArgs}once \"{small}\" --cold"),
                    await RunChildAsync("/usr/bin/python3", $"\"{script}\" \"{small}\"")));
            }
            for (var i = 0; i < runs; i++)
            {
                // Alternate the engines so that noise from other tenants hits all alike.
                ours.Add(await RunChildAsync(self, $"{selfArgs}once \"{path}\""));
                pandas.Add(await RunChildAsync("/usr/bin/python3", $"\"{script}\" \"{path}\""));
                cold.Add(await RunChildAsync(self, $"{selfArgs}once \"{path}\" --cold"));
                Console.WriteLine($"run {i + 1}: modelops {ours[^1].Seconds:0.00} s (cold {cold[^1].Seconds:0.00} s), pandas {pandas[^1].Seconds:0.00} s");
            }
        }
        finally
        {
            File.Delete(small);
            if (generated && !keep)
            {
                File.Delete(path);
            }
        }
        Report(ours, cold, pandas, floors);
        return 0;
    }

    private static void Report(List<PassResult> ours, List<PassResult> cold, List<PassResult> pandas,
        List<(PassResult Ours, PassResult Cold, PassResult Pandas)> floors)
    {
        var bytes = ours[0].Bytes;
        var rows = ours[0].Rows;
        Console.WriteLine();
        Console.WriteLine($"file: {bytes / 1e6:0.0} MB, {rows:N0} rows, 20 columns; {ours.Count} runs each, medians; {Environment.ProcessorCount} cores; " +
            $"load average now {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
        Console.WriteLine($"{"engine",-10} {"seconds",8} {"MB/s",8} {"rows/s",12} {"CPU s",8} {"peak RSS MB",12}   read / validate / clean / profile s");
        Console.WriteLine("           (modelops: read = read + pass 1 as the file streams, profile = Finish: profile, validation, plan; clean = the kept rows read back cleaned and split;");
        Console.WriteLine("            warmed up as a host that has taken in a dozen files; cold: the first file of a fresh process)");
        foreach (var (name, list) in new[] { ("modelops", ours), ("  cold", cold), ("pandas", pandas) })
        {
            var t = Median(list.Select(r => r.Seconds));
            Console.WriteLine($"{name,-10} {t,8:0.00} {bytes / 1e6 / t,8:0.0} {rows / t,12:N0} {Median(list.Select(r => r.CpuSeconds)),8:0.00} {Median(list.Select(r => (double)r.PeakRssBytes)) / 1e6,12:0}   " +
                $"{Median(list.Select(r => r.ReadSeconds)):0.00} / {Median(list.Select(r => r.ValidateSeconds)):0.00} / {Median(list.Select(r => r.CleanSeconds)):0.00} / {Median(list.Select(r => r.ProfileSeconds)):0.00}");
        }
        var ratio = Median(pandas.Select(r => r.Seconds)) / Median(ours.Select(r => r.Seconds));
        var perRun = ours.Zip(pandas, (o, p) => p.Seconds / o.Seconds).ToArray();
        Console.WriteLine($"speed-up vs pandas: {ratio:0.00}x wall (median of each side); per run: {string.Join(", ", perRun.Select(x => x.ToString("0.00", CultureInfo.InvariantCulture)))}");
        Console.WriteLine($"cold (the first file of a fresh process, JIT included): {Median(pandas.Select(r => r.Seconds)) / Median(cold.Select(r => r.Seconds)):0.00}x pandas");
        Console.WriteLine($"CPU-time ratio (pandas CPU / modelops CPU): {Median(pandas.Select(r => r.CpuSeconds)) / Median(ours.Select(r => r.CpuSeconds)):0.00}x");
        double Peak(IEnumerable<PassResult> list) => Median(list.Select(r => (double)r.PeakRssBytes));
        Console.WriteLine($"peak RSS / file size: modelops {Peak(ours) / bytes:0.00} (cold {Peak(cold) / bytes:0.00}), pandas {Peak(pandas) / bytes:0.00}");
        var (ourFloor, coldFloor, pandasFloor) = (Peak(floors.Select(f => f.Ours)), Peak(floors.Select(f => f.Cold)), Peak(floors.Select(f => f.Pandas)));
        Console.WriteLine($"floor (peak RSS on a 4 MB file of the same shape, 3 runs): modelops {ourFloor / 1e6:0} MB (cold {coldFloor / 1e6:0} MB), pandas {pandasFloor / 1e6:0} MB");
        Console.WriteLine($"peak above the floor / file size: modelops {(Peak(ours) - ourFloor) / bytes:0.00} (cold {(Peak(cold) - coldFloor) / bytes:0.00}), " +
            $"pandas {(Peak(pandas) - pandasFloor) / bytes:0.00}");
        Console.WriteLine($"rows out after cleaning: modelops {ours[0].RowsOut:N0}, pandas {pandas[0].RowsOut:N0}");
    }

    private static async Task<PassResult> RunChildAsync(string fileName, string arguments)
    {
        var info = new ProcessStartInfo(fileName, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(info)!;
        var stdout = await process.StandardOutput.ReadToEndAsync();
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{fileName} {arguments} failed ({process.ExitCode}): {stderr}");
        }
        var json = stdout.Trim().Split('\n')[^1];
        return JsonSerializer.Deserialize<PassResult>(json, new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
    }

    private static string FindScript()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "bench", "data", "pandas_bench.py");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new FileNotFoundException("bench/data/pandas_bench.py not found above " + AppContext.BaseDirectory);
    }
}


internal static class ConsumerProbe
{
    public static async Task RunAsync(string path)
    {
        var chunks = new List<TableChunk>();
        await using (var stream = File.OpenRead(path))
        {
            await DataFileReader.ReadChunksAsync(stream, "x.csv", new CsvReadOptions { MaxRows = 50_000_000 }, null, (chunk, _) =>
            {
                if (chunks.Count < 60)
                {
                    var cols = Enumerable.Range(0, chunk.Rows.ColumnCount).Select(c => chunk.Rows.Column(c) switch { double[] d => (object)d.ToArray(), string?[] x => x.ToArray(), var o => o }).ToArray();
                    chunks.Add(new TableChunk(new Table(chunk.Rows.Schema, cols), chunk.RowNumbers.ToArray()));
                }
                return ValueTask.CompletedTask;
            });
        }
        List<double> adds = [], writes = [];
        for (var i = 0; i < int.Parse(Environment.GetEnvironmentVariable("READS") ?? "3"); i++)
        {
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var allocated = GC.GetTotalAllocatedBytes(true);
            var started = Stopwatch.GetTimestamp();
            await using var again = File.OpenRead(path);
            await DataFileReader.ReadChunksAsync(again, "x.csv", new CsvReadOptions { MaxRows = 50_000_000 }, null, (_, _) => ValueTask.CompletedTask);
            Console.WriteLine($"read alone (tokenise, parse, hand over): {Stopwatch.GetElapsedTime(started).TotalSeconds:0.00} s wall, {(Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds:0.00} s CPU, {(GC.GetTotalAllocatedBytes(true) - allocated) / 1e6:0} MB allocated");
        }
        for (var round = 0; round < int.Parse(Environment.GetEnvironmentVariable("ROUNDS") ?? "20"); round++)
        {
            var pass = new DataPass(chunks[0].Rows.Schema, "label");
            var writer = ChunkFile.CreateWriter(Stream.Null, chunks[0].Rows.Schema);
            double add = 0, write = 0;
            var before = GC.GetTotalAllocatedBytes(true);
            foreach (var chunk in chunks)
            {
                var t0 = Stopwatch.GetTimestamp();
                var keep = pass.Add(chunk);
                var t1 = Stopwatch.GetTimestamp();
                writer.Write(chunk.Rows, chunk.RowNumbers, keep);
                add += (t1 - t0) / (double)Stopwatch.Frequency;
                write += Stopwatch.GetElapsedTime(t1).TotalSeconds;
            }
            var rows = chunks.Sum(c => c.Rows.RowCount);
            if (round == 0) Console.WriteLine($"pass 1 + spill of {rows:N0} rows allocated {(GC.GetTotalAllocatedBytes(true) - before) / 1e6:0} MB");
            adds.Add(add * 1e9 / rows / 20);
            writes.Add(write * 1e9 / rows / 20);
        }
        Console.WriteLine($"second half of {adds.Count} rounds, medians: pass.Add {Median(adds.Skip(adds.Count / 2)):0.0} ns/cell, write {Median(writes.Skip(adds.Count / 2)):0.0} ns/cell");
    }
}
