using System.Collections.Concurrent;
using System.Diagnostics;

namespace ModelOps.Durable.Bench.Overhead;

/// <summary>What one storage request was, told from its method and URL.</summary>
internal enum StorageCallKind
{
    HistoryAppend,
    BlobOther,
    TableInsert,
    TableUpdate,
    TableRead,
    Other,
}

internal sealed record StorageCall(StorageCallKind Kind, double Ms);

/// <summary>
/// Times every HTTP request the Azure SDK makes in this process, through HttpClient's own activities ("System.Net.Http"),
/// and sorts them by kind: the engine's storage cost per step without instrumenting the engine.
/// </summary>
internal sealed class StorageCallRecorder : IDisposable
{
    private readonly ActivityListener _listener;
    private readonly int _blobPort;
    private readonly int _tablePort;
    private ConcurrentQueue<StorageCall> _calls = new();

    public StorageCallRecorder(int blobPort, int tablePort)
    {
        _blobPort = blobPort;
        _tablePort = tablePort;
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "System.Net.Http",
            Sample = (ref ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = Record,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>The calls since the last take, and a fresh start.</summary>
    public IReadOnlyList<StorageCall> Take() => Interlocked.Exchange(ref _calls, new ConcurrentQueue<StorageCall>()).ToList();

    public void Dispose() => _listener.Dispose();

    private void Record(Activity activity)
    {
        var method = activity.GetTagItem("http.request.method") as string ?? "";
        var url = activity.GetTagItem("url.full") as string ?? "";
        var port = activity.GetTagItem("server.port") is int p ? p : -1;
        _calls.Enqueue(new StorageCall(Classify(method, url, port), activity.Duration.TotalMilliseconds));
    }

    private StorageCallKind Classify(string method, string url, int port)
    {
        if (port == _blobPort)
        {
            return method == "PUT" && url.Contains("comp=appendblock", StringComparison.OrdinalIgnoreCase)
                ? StorageCallKind.HistoryAppend
                : StorageCallKind.BlobOther;
        }
        if (port == _tablePort)
        {
            return method switch
            {
                "POST" => StorageCallKind.TableInsert,
                "PUT" or "PATCH" or "MERGE" => StorageCallKind.TableUpdate,
                "GET" => StorageCallKind.TableRead,
                _ => StorageCallKind.Other,
            };
        }
        return StorageCallKind.Other;
    }
}
