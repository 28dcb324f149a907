using System.Collections.Concurrent;
using System.Text.Json;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using ModelOps.Core.Data;
using ModelOps.Core.Storage;

namespace ModelOps.Core.Pipelines;

/// <summary>
/// A run's files in the <c>runs</c> container: tables and records passed between activities by path.
/// Run files are written once, so tables read back are cached for the many trials that read the same data.
/// </summary>
public sealed class RunStore(BlobServiceClient blobs)
{
    /// <summary>Runs whose cleaned rows (both sides) stay in memory: as much as the eight single tables kept before.</summary>
    private const int CachedRuns = 4;
    private readonly BlobContainerClient _runs = blobs.GetBlobContainerClient(StorageLayout.Runs);
    private readonly ConcurrentDictionary<string, Lazy<Task<(SplitTable Train, SplitTable Holdout)>>> _splits = new();
    private readonly ConcurrentQueue<string> _splitOrder = new();

    /// <summary>
    /// A stream that writes (replacing) the run's file, uploading behind the writer: the file appears when the stream's
    /// <see cref="BlockUploadStream.CompleteAsync"/> returns; await <see cref="BlockUploadStream.WaitForRoomAsync"/>
    /// between pieces of work to bound the blocks in flight.
    /// </summary>
    public (string Path, BlockUploadStream Stream) OpenWrite(string runId, string file, CancellationToken cancellationToken)
    {
        var path = StorageLayout.RunFile(runId, file);
        return (path, new BlockUploadStream(_runs.GetBlockBlobClient(path), cancellationToken: cancellationToken));
    }

    /// <summary>Reads one of the run's files as a stream: one download streamed from start to end (resumed where it broke off
    /// on a transient failure), not a request per buffer, so reading never waits a round trip every few megabytes.</summary>
    public async Task<Stream> OpenReadAsync(string path, CancellationToken cancellationToken) =>
        (await _runs.GetBlobClient(path).DownloadStreamingAsync(cancellationToken: cancellationToken)).Value.Content;

    /// <summary>One side of the run's cleaned rows as a table with <paramref name="schema"/> (the cleaned schema).</summary>
    public Task<Table> ReadRowsAsync(KeptRows rows, SplitSide side, TableSchema schema, CancellationToken cancellationToken) =>
        ReadRowsAsync(rows, side, schema, null, cancellationToken);

    /// <summary>
    /// One side of the run's cleaned rows (<see cref="CleanedRows"/>: the kept rows read with the plan applied and the split
    /// replayed), with the feedback rows' weights as an extra column when <paramref name="weighting"/> is given. One read
    /// gives both sides, kept for the run's later steps on this host (training, then evaluation and registration).
    /// </summary>
    public async Task<Table> ReadRowsAsync(KeptRows rows, SplitSide side, TableSchema schema, FeedbackWeighting? weighting, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var entry = _splits.GetOrAdd(rows.Path, path =>
        {
            _splitOrder.Enqueue(path);
            return new Lazy<Task<(SplitTable Train, SplitTable Holdout)>>(() => LoadRowsAsync(rows, schema, cancellationToken));
        });
        while (_splitOrder.Count > CachedRuns && _splitOrder.TryDequeue(out var oldest))
        {
            _splits.TryRemove(oldest, out _);
        }
        var (train, holdout) = await entry.Value;
        var (table, rowNumbers) = side == SplitSide.Holdout ? holdout : train;
        return weighting is null ? table : weighting.AddTo(table, rowNumbers);
    }

    private async Task<(SplitTable Train, SplitTable Holdout)> LoadRowsAsync(KeptRows rows, TableSchema schema, CancellationToken cancellationToken)
    {
        try
        {
            var plan = await ReadJsonAsync<CleaningPlan>(rows.PlanPath, cancellationToken);
            await using var stream = await OpenReadAsync(rows.Path, cancellationToken);
            return CleanedRows.Read(stream, plan, rows.Split, schema, rows.LeftOut, (rows.TrainRows, rows.HoldoutRows));
        }
        catch
        {
            _splits.TryRemove(rows.Path, out _);
            throw;
        }
    }

    public async Task<string> WriteJsonAsync<T>(string runId, string file, T value, CancellationToken cancellationToken)
    {
        var path = StorageLayout.RunFile(runId, file);
        await _runs.GetBlobClient(path).UploadAsync(BinaryData.FromObjectAsJson(value, Json.Options), overwrite: true, cancellationToken);
        return path;
    }

    public async Task<T> ReadJsonAsync<T>(string path, CancellationToken cancellationToken)
    {
        var content = await _runs.GetBlobClient(path).DownloadContentAsync(cancellationToken);
        return content.Value.Content.ToObjectFromJson<T>(Json.Options)
            ?? throw new JsonException($"runs/{path} is empty.");
    }

    public async Task<string> WriteAsync(string runId, string file, Stream content, CancellationToken cancellationToken)
    {
        var path = StorageLayout.RunFile(runId, file);
        content.Position = 0;
        await _runs.GetBlobClient(path).UploadAsync(content, overwrite: true, cancellationToken);
        return path;
    }

    public async Task<MemoryStream> ReadAsync(string path, CancellationToken cancellationToken)
    {
        var buffer = new MemoryStream();
        await _runs.GetBlobClient(path).DownloadToAsync(buffer, cancellationToken);
        buffer.Position = 0;
        return buffer;
    }
}
