using System.Diagnostics;
using System.Net.Http.Headers;

namespace ModelOps.Serving.Bench;

/// <summary>Load generators for the predict endpoint: open loop at a fixed rate, and closed loop for the most it can take.</summary>
internal sealed class HttpLoad(HttpClient http, string path, byte[] body)
{
    /// <summary>Latency from the send (service time) and from the scheduled send (also counts the generator's own lag).</summary>
    public sealed record OpenResult(int Scheduled, int Ok, int Errors, double Seconds, Summary FromSend, Summary FromSchedule, string? FirstError,
        GcActivity Gc)
    {
        public double AchievedRate => Ok / Seconds;
    }

    /// <summary>Where an open loop's requests are written, one line each, for looking at when the slow ones happen.</summary>
    public static string TracePath(string name) => Path.Combine(Path.GetTempPath(), $"servebench-{name}.csv");

    public sealed record ClosedResult(int Clients, int Ok, int Errors, double Seconds, Summary Latency, string? FirstError)
    {
        public double Throughput => Ok / Seconds;
    }

    /// <summary>
    /// Sends <paramref name="rate"/> requests a second for <paramref name="seconds"/>, on schedule, whether or not earlier
    /// ones have answered. A dedicated thread wakes about every millisecond and sends every request that has come due.
    /// </summary>
    /// <param name="trace">The name of the file (see <see cref="TracePath"/>) to write each request to; none when null.</param>
    public async Task<OpenResult> OpenLoopAsync(int rate, double seconds, string? trace = null)
    {
        var count = (int)(rate * seconds);
        var fromSend = new double[count];
        var fromSchedule = new double[count];
        var failed = new bool[count];
        var tasks = new Task[count];
        string? firstError = null;
        var period = (double)Stopwatch.Frequency / rate;
        var gcBefore = GcActivity.Now();
        var begin = Stopwatch.GetTimestamp();

        async Task SendOne(int i, long due)
        {
            var sent = Stopwatch.GetTimestamp();
            try
            {
                using var response = await http.SendAsync(Request(), HttpCompletionOption.ResponseContentRead);
                failed[i] = !response.IsSuccessStatusCode;
                if (failed[i])
                {
                    Interlocked.CompareExchange(ref firstError, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}", null);
                }
            }
            catch (Exception ex)
            {
                failed[i] = true;
                Interlocked.CompareExchange(ref firstError, ex.GetType().Name + ": " + ex.Message, null);
            }
            var done = Stopwatch.GetTimestamp();
            fromSend[i] = Stats.Us(sent, done);
            fromSchedule[i] = Stats.Us(due, done);
        }

        // Finished by the scheduler thread itself, so no pool thread is blocked waiting for it (the host shares this pool).
        var scheduled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var scheduler = new Thread(() =>
        {
            var next = 0;
            while (next < count)
            {
                var now = Stopwatch.GetTimestamp();
                while (next < count && begin + (long)(next * period) <= now)
                {
                    tasks[next] = SendOne(next, begin + (long)(next * period));
                    next++;
                }
                Thread.Sleep(1);
            }
            scheduled.SetResult();
        }) { IsBackground = true, Name = "open-loop scheduler", Priority = ThreadPriority.Highest };
        scheduler.Start();
        await scheduled.Task;
        await Task.WhenAll(tasks);
        var elapsed = Stats.Us(begin, Stopwatch.GetTimestamp()) / 1e6;
        var gc = GcActivity.Now() - gcBefore;
        var ok = Enumerable.Range(0, count).Where(i => !failed[i]).ToList();
        if (trace is not null)
        {
            // Per request: when it was due (ms into the run) and its latency.
            File.WriteAllLines(TracePath(trace), Enumerable.Range(0, count).Select(i => FormattableString.Invariant($"{i * 1000.0 / rate:F1},{fromSend[i]:F0},{fromSchedule[i]:F0},{failed[i]}")));
        }
        return new OpenResult(count, ok.Count, count - ok.Count, Math.Max(elapsed, seconds),
            Summary.Of(ok.Select(i => fromSend[i])), Summary.Of(ok.Select(i => fromSchedule[i])), firstError, gc);
    }

    /// <summary><paramref name="clients"/> loops that each send the next request as soon as the last one answered.</summary>
    public async Task<ClosedResult> ClosedLoopAsync(int clients, double seconds)
    {
        var begin = Stopwatch.GetTimestamp();
        var end = begin + (long)(seconds * Stopwatch.Frequency);
        var errors = 0;
        string? firstError = null;
        var perClient = await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            var latencies = new List<double>();
            while (Stopwatch.GetTimestamp() < end)
            {
                var sent = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await http.SendAsync(Request(), HttpCompletionOption.ResponseContentRead);
                    if (response.IsSuccessStatusCode)
                    {
                        latencies.Add(Stats.Us(sent, Stopwatch.GetTimestamp()));
                        continue;
                    }
                    Interlocked.CompareExchange(ref firstError, $"{(int)response.StatusCode}", null);
                }
                catch (Exception ex)
                {
                    Interlocked.CompareExchange(ref firstError, ex.GetType().Name + ": " + ex.Message, null);
                }
                Interlocked.Increment(ref errors);
            }
            return latencies;
        })));
        var elapsed = Stats.Us(begin, Stopwatch.GetTimestamp()) / 1e6;
        var all = perClient.SelectMany(l => l).ToList();
        return new ClosedResult(clients, all.Count, errors, elapsed, Summary.Of(all), firstError);
    }

    private HttpRequestMessage Request()
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
    }
}

/// <summary>Garbage collections of a process and the time they paused it.</summary>
internal sealed record GcActivity(int Gen0, int Gen1, int Gen2, TimeSpan Paused, long Allocated)
{
    /// <summary>This process's so far.</summary>
    public static GcActivity Now() =>
        new(GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration(), GC.GetTotalAllocatedBytes());

    public static GcActivity operator -(GcActivity a, GcActivity b) =>
        new(a.Gen0 - b.Gen0, a.Gen1 - b.Gen1, a.Gen2 - b.Gen2, a.Paused - b.Paused, a.Allocated - b.Allocated);

    public override string ToString() =>
        FormattableString.Invariant($"{Allocated / 1e6:F1} MB allocated, {Gen0} gen0, {Gen1} gen1, {Gen2} gen2 collections, {Paused.TotalMilliseconds:F1} ms paused in all");
}
