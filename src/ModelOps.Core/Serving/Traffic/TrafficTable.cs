using System.Text.Json;
using ModelOps.Core.Data;

namespace ModelOps.Core.Serving.Traffic;

/// <summary>
/// A traffic window as a <see cref="Table"/> for the monitor: the features of a schema, then
/// <see cref="TrafficTable.PredictionColumn"/>, <see cref="TrafficTable.ProbabilityColumn"/> and
/// <see cref="TrafficTable.LatencyColumn"/>; rows in blob order (blob names in order, lines as appended).
/// </summary>
/// <param name="TypeErrors">Per feature (any case), how many values had the wrong type and were read as missing.</param>
public sealed record TrafficFrame(Table Table, IReadOnlyDictionary<string, long> TypeErrors)
{
    /// <summary>Each request's latency once, from its row 0, in ms (a request's rows share one latency).</summary>
    public IReadOnlyList<double> RequestLatencies { get; init; } = [];

    /// <summary>The rows that have a label, when labels were joined: the table's, and in a sampled window also those
    /// the sample left out (read for their label only, with <see cref="LabelledRow.Row"/> -1).</summary>
    public IReadOnlyList<LabelledRow> Labelled { get; init; } = [];

    /// <summary>Blobs read.</summary>
    public int Blobs { get; init; }

    /// <summary>Bytes of traffic read for this frame: the window's blobs whole, or, when the last read's columns were
    /// kept (<see cref="TrafficFrameRequest.KeepBetweenReads"/>), only what was appended since.</summary>
    public long BytesRead { get; init; }

    /// <summary>Records in the window, of any version (the table holds those of the version asked for).</summary>
    public long Records { get; init; }

    /// <summary>Unreadable lines skipped.</summary>
    public long CorruptLines { get; init; }

    /// <summary>The share of the window's lines read: below 1 when the window held more than the read's bound (see
    /// <see cref="TrafficFrameRequest.MaxRows"/>) and was sampled.</summary>
    public double SampledShare { get; init; } = 1;

    /// <summary>Lines the sampling left out of the table: unread, or read for their label only.</summary>
    public long LinesLeftOut { get; init; }
}

/// <summary>A served row with its ground truth (the latest label received for its request id and row) and what the model
/// answered, as the table's prediction columns hold it (<see cref="TrafficTable.PredictionColumn"/>, NaN or null when
/// of another task).</summary>
/// <param name="Row">The row in the frame's table; -1 when a sampled window left it out and it was read for its label only.</param>
/// <param name="Predicted">A regression value or a binary label as 1/0.</param>
/// <param name="PredictedLabel">A multiclass label.</param>
public sealed record LabelledRow(int Row, JsonElement Label, DateTimeOffset LabelTime, double Predicted, double Probability, string? PredictedLabel);

/// <summary>
/// The traffic table's own columns, and how the columns of several blobs (read at once) become one
/// <see cref="TrafficFrame"/>: features missing, null or of the wrong type are NaN/null (wrong types counted);
/// the prediction column's kind follows the first row's prediction, and rows of another task are missing there.
/// </summary>
public static class TrafficTable
{
    /// <summary>Regression value (numeric), binary label (boolean) or multiclass label (categorical).</summary>
    public const string PredictionColumn = "prediction";

    /// <summary>Binary: probability of the positive class; multiclass: of the predicted class; regression: NaN.</summary>
    public const string ProbabilityColumn = "probability";

    /// <summary>The request's latency in ms (see <see cref="TrafficRecord.LatencyMs"/>).</summary>
    public const string LatencyColumn = "latency_ms";

    /// <summary>The blobs' rows, in the order given, as one frame; <paramref name="matches"/> gets each labelled row once (its first line).</summary>
    internal static TrafficFrame Merge(TrafficFrameRequest request, IReadOnlyList<TrafficColumns> parts, out List<LabelMatch> matches)
    {
        var rows = parts.Sum(p => p.Count);
        var features = request.Features.Columns;
        var columns = new List<object>(features.Count + 3);
        var errors = new Dictionary<string, long>(StringComparer.OrdinalIgnoreCase);
        for (var f = 0; f < features.Count; f++)
        {
            columns.Add(request.Kinds[f] == FeatureKind.Text
                ? Concat(parts, rows, p => p.Texts(f)!)
                : Concat(parts, rows, p => p.Numbers(f)!));
            var wrong = parts.Sum(p => p.TypeErrors(f));
            if (wrong > 0)
            {
                errors[features[f].Name] = wrong;
            }
        }

        var first = parts.FirstOrDefault(p => p.Count > 0)?.PredictionKinds[0] ?? PredictionKind.Regression;
        var kind = first switch
        {
            PredictionKind.Binary => ColumnKind.Boolean,
            PredictionKind.Multiclass => ColumnKind.Categorical,
            _ => ColumnKind.Numeric,
        };
        var probability = new double[rows];
        var predicted = kind == ColumnKind.Categorical ? null : new double[rows];
        var labels = kind == ColumnKind.Categorical ? new string?[rows] : null;
        var at = 0;
        foreach (var part in parts)
        {
            for (var r = 0; r < part.Count; r++, at++)
            {
                var prediction = part.PredictionAt(r).As(first);
                probability[at] = prediction.Probability;
                if (labels is not null)
                {
                    labels[at] = prediction.Label;
                }
                else
                {
                    predicted![at] = prediction.Value;
                }
            }
        }
        columns.Add(labels ?? (object)predicted!);
        columns.Add(probability);
        columns.Add(Concat(parts, rows, p => p.Latency));
        var schema = new TableSchema([.. features,
            new ColumnSchema(PredictionColumn, kind, Nullable: true),
            new ColumnSchema(ProbabilityColumn, ColumnKind.Numeric, Nullable: true),
            new ColumnSchema(LatencyColumn, ColumnKind.Numeric)]);

        matches = [];
        var labelled = new List<LabelledRow>();
        var matched = new HashSet<FeedbackRecord>(ReferenceEqualityComparer.Instance);
        var offset = 0;
        foreach (var part in parts)
        {
            foreach (var match in part.Matches)
            {
                // A row logged twice (a retried append) joins once, on its first line.
                if (matched.Add(match.Label))
                {
                    var row = match.Row < 0 ? -1 : offset + match.Row;
                    matches.Add(match with { Row = row });
                    if (match.Prediction?.As(first) is { } p)
                    {
                        labelled.Add(new LabelledRow(row, match.Label.Label, match.Label.Time,
                            kind == ColumnKind.Categorical ? double.NaN : p.Value, p.Probability, kind == ColumnKind.Categorical ? p.Label : null));
                    }
                }
            }
            offset += part.Count;
        }
        var leftOut = parts.Sum(p => p.LinesLeftOut);
        return new TrafficFrame(new Table(schema, columns), errors)
        {
            RequestLatencies = parts.SelectMany(p => p.RequestLatencies).ToArray(),
            Labelled = labelled,
            Records = parts.Sum(p => p.Records),
            CorruptLines = parts.Sum(p => p.CorruptLines),
            LinesLeftOut = leftOut,
            SampledShare = leftOut == 0 ? 1 : 1 - (double)leftOut / parts.Sum(p => p.Lines),
        };
    }

    private static T[] Concat<T>(IReadOnlyList<TrafficColumns> parts, int rows, Func<TrafficColumns, ReadOnlySpan<T>> column)
    {
        var result = GC.AllocateUninitializedArray<T>(rows);
        var at = 0;
        foreach (var part in parts)
        {
            var span = column(part)[..part.Count];
            span.CopyTo(result.AsSpan(at));
            at += span.Length;
        }
        return result;
    }
}
