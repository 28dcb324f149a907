using System.Text;
using ModelOps.Core.Data;

namespace ModelOps.Core.Serving.Traffic;

/// <summary>
/// What a window read lays out: the window, the features of a schema, the version whose rows become the table (null:
/// every version) and the labels to join. Shared by the blobs read at once; its level interners are thread-safe.
/// </summary>
internal sealed class TrafficFrameRequest
{
    public TrafficFrameRequest(TableSchema features, DateTimeOffset from, DateTimeOffset to, int? version,
        FeedbackLabels? labels = null, bool keepLabelledRecords = false)
    {
        ArgumentNullException.ThrowIfNull(features);
        foreach (var name in new[] { TrafficTable.PredictionColumn, TrafficTable.ProbabilityColumn, TrafficTable.LatencyColumn })
        {
            if (features.IndexOf(name) >= 0)
            {
                throw new ArgumentException($"A feature is named '{name}', which the traffic table uses for its own column.", nameof(features));
            }
        }
        Features = features;
        From = from;
        To = to;
        Version = version;
        Labels = labels is { Count: > 0 } ? labels : null;
        KeepLabelledRecords = keepLabelledRecords;
        Names = features.Columns.Select(c => Encoding.UTF8.GetBytes(c.Name)).ToArray();
        Kinds = features.Columns.Select(c => c.Kind.IsString() ? FeatureKind.Text : c.Kind == ColumnKind.Boolean ? FeatureKind.Boolean : FeatureKind.Number).ToArray();
        Levels = Kinds.Select(k => k == FeatureKind.Text ? new LevelInterner() : null).ToArray();
    }

    public TableSchema Features { get; }

    public DateTimeOffset From { get; }

    public DateTimeOffset To { get; }

    public int? Version { get; }

    /// <summary>Labels by request id and row; null when there are none to join.</summary>
    public FeedbackLabels? Labels { get; }

    /// <summary>
    /// About how many rows the read lays out at most: a window estimated to hold more is sampled line by line (see
    /// <see cref="WindowSampling"/>). Null: every line (the retraining join, which must see every labelled row).
    /// </summary>
    public long? MaxRows { get; init; }

    /// <summary>
    /// Whether the read may keep the window's columns for the next read of the same model and lay out only what was
    /// appended since (see <see cref="TrafficWindowCache"/>): the monitor's ticks, each a few minutes after the last.
    /// </summary>
    public bool KeepBetweenReads { get; init; }

    /// <summary>Whether each line's time, label key and the like are kept beside the columns (<see cref="RowFacts"/>), so
    /// that a later window can be laid out from them; labels are then joined by key, not as the lines are read.</summary>
    public bool KeepsRowFacts { get; init; }

    /// <summary>Whether labelled rows are also parsed whole into <see cref="TrafficRecord"/>s (the retraining join needs every field).</summary>
    public bool KeepLabelledRecords { get; }

    /// <summary>The feature names in UTF-8, to match property names without decoding them.</summary>
    public byte[][] Names { get; }

    public FeatureKind[] Kinds { get; }

    /// <summary>Per text feature, its interner; null for the others.</summary>
    public LevelInterner?[] Levels { get; }

    /// <summary>The multiclass labels' interner.</summary>
    public LevelInterner PredictedLabels { get; } = new();
}

/// <summary>How a feature's JSON values are read: as a number, a 0/1 boolean or text.</summary>
internal enum FeatureKind : byte
{
    Number,
    Boolean,
    Text,
}
