namespace ModelOps.Core.Serving.Traffic;

/// <summary>What the traffic log has done since it was built, for the host's health endpoint.</summary>
/// <param name="Written">Records appended to blobs.</param>
/// <param name="Dropped">Records lost: buffer full, wait timed out, written after stop, or still unwritten when shutdown gave up.</param>
/// <param name="Rejected">Records refused as too large (over <see cref="TrafficLogOptions.MaxRecordBytes"/>).</param>
/// <param name="Pending">Records accepted but not yet appended (buffered or in the flush under way).</param>
/// <param name="FailedFlushes">Append attempts that failed and were retried (storage slow or down).</param>
/// <param name="BlobsOpened">Blobs created or continued for appending.</param>
public readonly record struct TrafficLogCounters(long Written, long Dropped, long Rejected, long Pending, long FailedFlushes, long BlobsOpened);
