using System.Buffers;
using System.Text.Json;
using Azure.Storage.Blobs;
using ModelOps.Core.Data;
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
        var labels = await ReadLabelsAsync(model, from, to, cancellationToken);
        // Every line is checked (for the counts), but only labelled ones are parsed whole.
        var request = new TrafficFrameRequest(new TableSchema([]), from, to, version: null, labels, keepLabelledRecords: true);
        var (frame, matches) = await _reader.ReadFrameAsync(model, request, cancellationToken);
        var rows = matches.Select(m => new LabelledTraffic(m.Record!, m.Label.Label, m.Label.Time)).ToList();
        rows.Sort(static (a, b) => a.Record.Time.CompareTo(b.Record.Time));
        return new LabelledWindow(rows, (int)frame.Records, (int)labels.Records, labels.Count - matches.Count,
            frame.CorruptLines + labels.CorruptLines);
    }

    /// <summary>The latest label of each row scored in [from, to): labels received from <paramref name="from"/> to
    /// <paramref name="to"/> plus <see cref="FeedbackStoreOptions.MaxFeedbackDelay"/> (not past now).</summary>
    internal async Task<FeedbackLabels> ReadLabelsAsync(ModelName model, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var stats = new TrafficReadStats();
        var labels = new FeedbackLabels();
        var end = Min(to + _options.MaxFeedbackDelay, _time.GetUtcNow().AddHours(1));
        await foreach (var label in _reader.ReadFeedbackAsync(model, from, end, stats, cancellationToken))
        {
            // Later wins; on equal times the one read later, which is the later append of the same host.
            labels.Add(label);
        }
        labels.Records = stats.Records;
        labels.CorruptLines = stats.CorruptLines;
        return labels;
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
