using System.Security.Cryptography;
using System.Text;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Options;
using ModelOps.Core.Pipelines;
using ModelOps.Core.Storage;
using ModelOps.Local.Engine;
using ModelOps.Local.Hosting;

namespace ModelOps.Local.Watching;

/// <summary>
/// The local stand-in for the Event Grid blob trigger: lists the drop zone and starts one training run per data
/// blob version. The run id derives from the blob's name and ETag, so a version is processed once, across restarts.
/// </summary>
internal sealed partial class DatasetWatcher(
    BlobServiceClient blobs,
    PipelineClient pipelines,
    DatasetQuarantine quarantine,
    IOptions<ModelOpsOptions> options,
    ILogger<DatasetWatcher> logger) : BackgroundService
{
    // Blob versions already handed to the engine by this process; the engine's own instance table is the
    // record that survives restarts, this only saves asking it again on every poll.
    private readonly HashSet<string> _seen = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var container = blobs.GetBlobContainerClient(StorageLayout.Datasets);
        using var timer = new PeriodicTimer(options.Value.DatasetPollInterval);
        do
        {
            try
            {
                await PollAsync(container, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogPollFailed(e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    internal async Task PollAsync(BlobContainerClient container, CancellationToken cancellationToken)
    {
        await foreach (var blob in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, null, cancellationToken))
        {
            if (!StorageLayout.IsDataFile(blob.Name) || blob.Properties.ETag is not { } etag)
            {
                continue;
            }
            var key = blob.Name + "|" + etag;
            if (_seen.Contains(key))
            {
                continue;
            }
            if (!ModelName.TryFromDatasetBlob(blob.Name, out var model, out var error))
            {
                await quarantine.QuarantineAsync(container.GetBlobClient(blob.Name), null, error, cancellationToken);
                _seen.Add(key);
                continue;
            }
            var runId = RunId(model, blob.Name, etag.ToString());
            var started = await pipelines.StartTrainingAsync(
                new TrainingRunInput(model, "blob", blob.Name, etag.ToString()), runId, cancellationToken);
            if (started)
            {
                LogRunStarted(blob.Name, runId);
            }
            _seen.Add(key);
        }
    }

    /// <summary>A run id that is the same for the same blob version, on every host.</summary>
    internal static string RunId(ModelName model, string blobName, string etag)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(blobName + "\n" + etag));
        return $"{model}-{Convert.ToHexStringLower(hash)[..12]}";
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Data blob {Blob} started run {RunId}")]
    private partial void LogRunStarted(string blob, string runId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Listing the datasets container failed; will try again")]
    private partial void LogPollFailed(Exception exception);
}
