using System.Buffers;
using System.Text.Json;
using Azure.Storage.Blobs;
using ModelOps.Core.Storage;

namespace ModelOps.Core.Serving.Traffic;

/// <summary>
/// Stores ground-truth labels as JSON lines in <c>traffic/{model}/feedback/{yyyy}/{MM}/{dd}/{HH}/{host}-{n}.jsonl</c>
/// before the feedback call answers, and joins them to scored rows by request id and row. Thread-safe.
/// </summary>
public sealed class FeedbackStore
{
    /// <summary>Largest append block written.</summary>
    internal const int MaxBlockBytes = 4 * 1024 * 1024;

    private readonly FeedbackStoreOptions _options;
    private readonly TimeProvider _time;
    private readonly JsonLinesAppender _appender;
    private readonly TrafficReader _reader;

    public FeedbackStore(BlobServiceClient blobs, TimeProvider time, FeedbackStoreOptions? options = null, TrafficReader? reader = null)
    {
        ArgumentNullException.ThrowIfNull(blobs);
        ArgumentNullException.ThrowIfNull(time);
        _options = (options ?? new FeedbackStoreOptions()).EnsureValid();
        _time = time;
        // Feedback is rare and precious: appended before the call answers, so a 2xx means stored.
        _appender = new JsonLinesAppender(blobs.GetBlobContainerClient(StorageLayout.Traffic), _options.Host, _options.MaxBlobBytes, 49_000);
        _reader = reader ?? new TrafficReader(blobs);
    }

    /// <summary>Validates every label (all problems in one <see cref="FeedbackInputException"/>), then stores them all; returns how many.</summary>
    /// <remarks>A retried call stores its labels again; the join takes the latest label per row, so that is harmless.</remarks>
    public async Task<int> AddAsync(ModelName model, IReadOnlyList<FeedbackLabel> labels, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Count > _options.MaxLabels)
        {
            throw new FeedbackInputException([$"at most {_options.MaxLabels} labels per call, got {labels.Count}"], tooMany: true);
        }
        Validate(labels);
        if (labels.Count == 0)
        {
            return 0;
        }
        var now = _time.GetUtcNow();
        var stream = TrafficStream.Labels(model, now);
        var block = new ArrayBufferWriter<byte>();
        foreach (var label in labels)
        {
            var line = JsonLine.Serialize(new FeedbackRecord(label.RequestId, label.Row, label.Label, now), int.MaxValue)!;
            if (block.WrittenCount + line.Length > MaxBlockBytes)
            {
                await _appender.AppendAsync(stream, block.WrittenMemory, cancellationToken);
                block.ResetWrittenCount();
            }
            block.Write(line);
        }
        await _appender.AppendAsync(stream, block.WrittenMemory, cancellationToken);
        return labels.Count;
    }

    /// <summary>
    /// The rows scored in [from, to) that have labels, with the latest label of each. Labels are read from
    /// <paramref name="from"/> to <paramref name="to"/> plus <see cref="FeedbackStoreOptions.MaxFeedbackDelay"/> (not past now).
    /// </summary>
    public async Task<LabelledWindow> JoinAsync(ModelName model, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        var feedbackStats = new TrafficReadStats();
        var latest = new Dictionary<(string RequestId, int Row), FeedbackRecord>();
        var feedbackEnd = Min(to + _options.MaxFeedbackDelay, _time.GetUtcNow().AddHours(1));
        await foreach (var label in _reader.ReadFeedbackAsync(model, from, feedbackEnd, feedbackStats, cancellationToken))
        {
            var key = (label.RequestId, label.Row);
            // Later wins; on equal times the one read later, which is the later append of the same host.
            if (!latest.TryGetValue(key, out var known) || label.Time >= known.Time)
            {
                latest[key] = label;
            }
        }

        var trafficStats = new TrafficReadStats();
        var rows = new List<LabelledTraffic>();
        var matched = new HashSet<(string, int)>();
        await foreach (var record in _reader.ReadAsync(model, from, to, trafficStats, cancellationToken))
        {
            var key = (record.RequestId, record.Row);
            if (latest.TryGetValue(key, out var label) && matched.Add(key))
            {
                rows.Add(new LabelledTraffic(record, label.Label, label.Time));
            }
        }
        rows.Sort(static (a, b) => a.Record.Time.CompareTo(b.Record.Time));
        return new LabelledWindow(rows, (int)trafficStats.Records, (int)feedbackStats.Records, latest.Count - matched.Count,
            trafficStats.CorruptLines + feedbackStats.CorruptLines);
    }

    private void Validate(IReadOnlyList<FeedbackLabel> labels)
    {
        var errors = new List<string>();
        for (var i = 0; i < labels.Count; i++)
        {
            var label = labels[i];
            if (label is null)
            {
                errors.Add($"entry {i} is null");
                continue;
            }
            if (TrafficValidation.RequestIdProblem(label.RequestId) is { } problem)
            {
                errors.Add($"entry {i}: {problem}");
            }
            if (label.Row is < 0 or > TrafficValidation.MaxRow)
            {
                errors.Add($"entry {i}: row must be 0 to {TrafficValidation.MaxRow}, not {label.Row}");
            }
            if (label.Label.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
            {
                errors.Add($"entry {i}: a label is required");
            }
            else if (label.Label.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
            {
                errors.Add($"entry {i}: a label must be a number, string or boolean");
            }
            else if (label.Label.GetRawText().Length > _options.MaxLabelBytes)
            {
                errors.Add($"entry {i}: the label is longer than {_options.MaxLabelBytes} characters");
            }
        }
        if (errors.Count > 0)
        {
            throw new FeedbackInputException(errors);
        }
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}
