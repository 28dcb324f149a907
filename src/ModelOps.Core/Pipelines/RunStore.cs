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
    private const int CachedTables = 8;
    private readonly BlobContainerClient _runs = blobs.GetBlobContainerClient(StorageLayout.Runs);
    private readonly ConcurrentDictionary<string, Lazy<Task<Table>>> _tables = new();
    private readonly ConcurrentQueue<string> _tableOrder = new();

    public async Task<string> WriteTableAsync(string runId, string file, Table table, CancellationToken cancellationToken)
    {
        var path = StorageLayout.RunFile(runId, file);
        using (var buffer = new MemoryStream())
        {
            await CsvTableWriter.WriteAsync(table, buffer, cancellationToken);
            buffer.Position = 0;
            await _runs.GetBlobClient(path).UploadAsync(buffer, overwrite: true, cancellationToken);
        }
        return path;
    }

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

    /// <summary>Reads a table this run wrote, with the kinds of <paramref name="schema"/> rather than re-inferring them.</summary>
    public Task<Table> ReadTableAsync(string path, TableSchema schema, CancellationToken cancellationToken) =>
        ReadTableAsync(path, schema, null, cancellationToken);

    /// <summary>
    /// Reads a table this run wrote, with the feedback rows' weights as an extra column when <paramref name="weighting"/>
    /// is given (a chunk file only: the weights come from its row numbers).
    /// </summary>
    public Task<Table> ReadTableAsync(string path, TableSchema schema, FeedbackWeighting? weighting, CancellationToken cancellationToken)
    {
        var key = weighting is null ? path : $"{path}#{weighting}";
        var entry = _tables.GetOrAdd(key, k =>
        {
            _tableOrder.Enqueue(k);
            return new Lazy<Task<Table>>(() => LoadTableAsync(path, k, schema, weighting, cancellationToken));
        });
        while (_tableOrder.Count > CachedTables && _tableOrder.TryDequeue(out var oldest))
        {
            _tables.TryRemove(oldest, out _);
        }
        return entry.Value;
    }

    /// <summary>Reads a table this run wrote, with the kinds saved at <paramref name="schemaPath"/>.</summary>
    public async Task<Table> ReadTableAsync(string path, string schemaPath, CancellationToken cancellationToken) =>
        await ReadTableAsync(path, await ReadJsonAsync<TableSchema>(schemaPath, cancellationToken), cancellationToken);

    private async Task<Table> LoadTableAsync(string path, string key, TableSchema schema, FeedbackWeighting? weighting, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = await OpenReadAsync(path, cancellationToken);
            if (path.EndsWith(ChunkFile.Extension, StringComparison.Ordinal))
            {
                var (table, rowNumbers) = ChunkFile.ReadTableWithRowNumbers(stream, schema);
                return weighting is null ? table : weighting.AddTo(table, rowNumbers);
            }
            if (weighting is not null)
            {
                throw new InvalidOperationException($"runs/{path} has no row numbers to weigh feedback rows by.");
            }
            var result = await CsvTableReader.ReadAsync(stream, new CsvReadOptions { Schema = schema }, cancellationToken);
            return result.Table;
        }
        catch
        {
            _tables.TryRemove(key, out _);
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
