using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using ModelOps.Core.Storage;

namespace ModelOps.Core.Monitoring;

/// <summary>The monitor's reports in <c>monitoring/{model}/{yyyyMMdd}/{HHmmss.fff}-{id}.json</c>: one per tick, in time order.</summary>
public sealed class MonitoringReports(BlobServiceClient blobs)
{
    private readonly BlobContainerClient _container = blobs.GetBlobContainerClient(StorageLayout.Monitoring);

    public async Task SaveAsync(MonitoringReport report, CancellationToken cancellationToken) =>
        await _container.GetBlobClient(StorageLayout.MonitoringReport(report.Model, report.Time, Guid.NewGuid().ToString("N")[..8]))
            .UploadAsync(BinaryData.FromObjectAsJson(report, Json.Options), overwrite: true, cancellationToken);

    /// <summary>Reports of a model from <paramref name="since"/> on, oldest first; only the days in range are listed.</summary>
    public async Task<IReadOnlyList<MonitoringReport>> SinceAsync(ModelName model, DateTimeOffset since, DateTimeOffset until, CancellationToken cancellationToken)
    {
        var reports = new List<MonitoringReport>();
        for (var day = since.UtcDateTime.Date; day <= until.UtcDateTime.Date; day = day.AddDays(1))
        {
            await foreach (var blob in _container.GetBlobsAsync(BlobTraits.None, BlobStates.None,
                StorageLayout.MonitoringDay(model, day), cancellationToken))
            {
                var content = await _container.GetBlobClient(blob.Name).DownloadContentAsync(cancellationToken);
                var report = content.Value.Content.ToObjectFromJson<MonitoringReport>(Json.Options);
                if (report is not null && report.Time >= since)
                {
                    reports.Add(report);
                }
            }
        }
        return reports.OrderBy(r => r.Time).ToList();
    }

    /// <summary>The newest reports of a model, newest first, looking back at most <paramref name="days"/> days.</summary>
    public async Task<IReadOnlyList<MonitoringReport>> LatestAsync(ModelName model, int top, DateTimeOffset now, int days, CancellationToken cancellationToken) =>
        (await SinceAsync(model, now.AddDays(-days), now, cancellationToken)).Reverse().Take(top).ToList();
}
