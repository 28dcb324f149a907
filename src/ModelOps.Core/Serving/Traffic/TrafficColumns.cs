using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json;
using ModelOps.Core.Storage;

namespace ModelOps.Core.Serving.Traffic;

/// <summary>What became of a traffic line.</summary>
internal enum TrafficLine : byte
{
    /// <summary>Not a readable record (bad JSON, a missing or mistyped field); counted as corrupt.</summary>
    Corrupt,

    /// <summary>A record outside the window.</summary>
    Outside,

    /// <summary>A record in the window of another version: counted, not laid out.</summary>
    OtherVersion,

    /// <summary>A row of the table.</summary>
    Taken,
}

/// <summary>A traffic row that has a label: its index among the rows taken (-1 when not one of them: of another version,
/// or read for its label only, outside a window's sample) and the label; with the row's prediction when it is of the
/// version asked for.</summary>
internal readonly record struct LabelMatch(int Row, FeedbackRecord Label, TrafficRecord? Record, LoggedPrediction? Prediction = null);

/// <summary>A row's prediction as the traffic table's prediction and probability columns hold it.</summary>
internal readonly record struct LoggedPrediction(PredictionKind Kind, double Value, double Probability, string? Label)
{
    /// <summary>As the table holds it when its prediction column follows <paramref name="first"/>: another task's output
    /// (the model changed task) is missing, as is its probability.</summary>
    public LoggedPrediction As(PredictionKind first) => Kind == first ? this : new(Kind, double.NaN, double.NaN, null);
}

/// <summary>
/// The rows of one traffic blob as columns, parsed line by line with <see cref="Utf8JsonReader"/> straight into typed
/// buffers: the same records <see cref="TrafficReader.ReadAsync"/> would accept (the serializer's rules: property names
/// in any case, the last of duplicated properties wins, unknown ones skipped; the prediction read as its converter does),
/// and the same feature values <c>TrafficTable</c> lays out (exact name first, else the first name equal in any case;
/// null or missing as NaN/null; values of the wrong type likewise, counted per feature). Not thread-safe: one per blob.
/// </summary>
internal sealed partial class TrafficColumns
{
    private const int MaxRequestIdChars = TrafficValidation.MaxRequestIdLength;

    /// <summary>Lines read before the columns are sized for the whole blob.</summary>
    private const int SampleLines = 200;

    /// <summary>Most rows reserved at once; a blob with more grows past it by doubling.</summary>
    private const int MaxReservedRows = 4 * 1024 * 1024;

    private static readonly byte[][] Fields = ["requestId"u8.ToArray(), "row"u8.ToArray(), "time"u8.ToArray(), "model"u8.ToArray(),
        "version"u8.ToArray(), "features"u8.ToArray(), "prediction"u8.ToArray(), "latencyMs"u8.ToArray(), "requestRows"u8.ToArray()];

    private static readonly string[] FieldNames = Fields.Select(f => Encoding.UTF8.GetString(f)).ToArray();

    private static readonly byte[][] PredictionFields = ["value"u8.ToArray(), "label"u8.ToArray(), "probabilities"u8.ToArray(), "probability"u8.ToArray()];

    private static readonly string[] PredictionFieldNames = PredictionFields.Select(f => Encoding.UTF8.GetString(f)).ToArray();

    private readonly TrafficFrameRequest _request;
    private readonly int _features;
    private readonly double[]?[] _numbers;
    private readonly string?[]?[] _texts;
    private readonly long[] _typeErrors;
    private readonly LevelCache?[] _levels;
    private readonly List<double> _requestLatencies = [];
    private readonly List<LabelMatch> _matches = [];
    private double[] _predicted = [];
    private string?[] _predictedLabels = [];
    private double[] _probability = [];
    private double[] _latency = [];
    private PredictionKind[] _predictionKinds = [];
    private int _capacity;
    private readonly RowFacts? _facts;

    // Per line: how each feature's value was found, and whether it had the wrong type.
    private readonly Match[] _match;
    private readonly string?[] _matchedName;
    private readonly bool[] _wrongType;
    private readonly char[] _requestId = new char[MaxRequestIdChars];
    private byte[] _model = [];

    public TrafficColumns(TrafficFrameRequest request) : this(request, request.KeepsRowFacts)
    {
    }

    private TrafficColumns(TrafficFrameRequest request, bool keepFacts)
    {
        if (keepFacts && request.Labels is not null)
        {
            throw new ArgumentException("Columns that keep row facts join labels by key later, not as they are read.", nameof(request));
        }
        _request = request;
        _facts = keepFacts ? new RowFacts() : null;
        _features = request.Kinds.Length;
        _numbers = new double[]?[_features];
        _texts = new string?[]?[_features];
        _typeErrors = new long[_features];
        _levels = request.Levels.Select(l => l is null ? null : new LevelCache(l)).ToArray();
        _match = new Match[_features];
        _matchedName = new string?[_features];
        _wrongType = new bool[_features];
        Grow(256);
    }

    /// <summary>Rows taken.</summary>
    public int Count { get; private set; }

    /// <summary>Records in the window, of any version.</summary>
    public long Records { get; private set; }

    public long CorruptLines { get; private set; }

    /// <summary>Lines in the blob, read or not.</summary>
    public long Lines { get; private set; }

    /// <summary>Lines a window sampling left out of the rows taken: unread, or read for their label only.</summary>
    public long LinesLeftOut { get; private set; }

    public double[]? Numbers(int feature) => _numbers[feature];

    public string?[]? Texts(int feature) => _texts[feature];

    public long TypeErrors(int feature) => _typeErrors[feature];

    public ReadOnlySpan<double> Latency => _latency.AsSpan(0, Count);

    public ReadOnlySpan<PredictionKind> PredictionKinds => _predictionKinds.AsSpan(0, Count);

    /// <summary>Row <paramref name="row"/>'s prediction as read (its kind, value or label, probability).</summary>
    public LoggedPrediction PredictionAt(int row) =>
        new(_predictionKinds[row], _predicted[row], _probability[row], _predictedLabels.Length == 0 ? null : _predictedLabels[row]);

    /// <summary>The latency of each request taken once: from its row 0.</summary>
    public List<double> RequestLatencies => _requestLatencies;

    /// <summary>Lines with a label, in read order, any version.</summary>
    public List<LabelMatch> Matches => _matches;

    /// <summary>
    /// Every line of a JSON-lines stream (a blob), overlong ones counted as corrupt; with a sampling, the lines it keeps.
    /// A line the sampling leaves out is still read for its label when it has one and the window's labels are no more
    /// than the sampling's bound: performance is then measured on every labelled row, while the table (drift, quality,
    /// latency) holds the sample alone.
    /// </summary>
    /// <param name="blob">The blob's place in the window, for the sampling.</param>
    public static async Task<TrafficColumns> ReadAsync(Stream stream, TrafficFrameRequest request, WindowSampling? sampling, int blob,
        CancellationToken cancellationToken)
    {
        var columns = new TrafficColumns(request);
        var labelsOfLeftOut = request.Labels is { } labels && sampling is not null && labels.Count <= sampling.MaxRows;
        long lines = 0, bytes = 0;
        var share = 1.0;
        await foreach (var line in JsonLinesScanner.ReadAsync(stream, TrafficReader.MaxLineBytes, cancellationToken))
        {
            if (++lines == SampleLines)
            {
                share = sampling?.ShareFor(lines - 1, bytes) ?? 1;
                columns.ReserveFor(LengthOf(stream), lines, bytes, share);
            }
            bytes += line.Bytes.Length + 1;
            columns.Lines++;
            if (share < 1 && !WindowSampling.Keeps(blob, lines, share))
            {
                columns.LinesLeftOut++;
                if (labelsOfLeftOut && !line.Overlong && columns.HasLabel(line.Bytes.Span))
                {
                    columns.Add(line.Bytes.Span, inSample: false);
                }
                continue;
            }
            if (line.Overlong)
            {
                columns.CorruptLines++;
            }
            else
            {
                columns.Add(line.Bytes.Span);
            }
        }
        return columns;
    }

    /// <summary>
    /// The lines of a stream (the bytes a blob gained since it was last read) read with row facts for a kept window: those
    /// up to the last newline into one part, to be kept, and an unterminated last line into another, read for this window
    /// only (a later append may go on with it). Null when a bound (<paramref name="sampling"/>) would sample the window:
    /// it is then read afresh, not kept.
    /// </summary>
    /// <param name="length">The bytes coming, to size the columns once.</param>
    public static async Task<(TrafficColumns Kept, TrafficColumns? Tail, long End)?> ReadKeptAsync(Stream stream, long length,
        TrafficFrameRequest request, WindowSampling? sampling, CancellationToken cancellationToken)
    {
        var kept = new TrafficColumns(request);
        TrafficColumns? tail = null;
        long bytes = 0, end = 0;
        await foreach (var line in JsonLinesScanner.ReadAsync(stream, TrafficReader.MaxLineBytes, cancellationToken))
        {
            if (++kept.Lines == SampleLines)
            {
                if (sampling?.ShareFor(kept.Lines - 1, bytes) < 1)
                {
                    return null;
                }
                kept.ReserveFor(length, kept.Lines, bytes, 1);
            }
            bytes += line.Bytes.Length + 1;
            var part = kept;
            if (line.Unterminated)
            {
                part = tail = new TrafficColumns(request);
            }
            else
            {
                end = line.End;
            }
            if (line.Overlong)
            {
                part.CorruptLines++;
            }
            else
            {
                part.Add(line.Bytes.Span);
            }
        }
        return (kept, tail, end);
    }

    /// <summary>The latest time of a record in columns read with row facts.</summary>
    public DateTimeOffset Latest => _facts is { LatestTicks: > 0 } facts ? new DateTimeOffset(facts.LatestTicks, TimeSpan.Zero) : DateTimeOffset.MinValue;

    /// <summary>
    /// The rows of <paramref name="window"/>'s span, from columns read with row facts, as the part of its frame that a
    /// read of that window alone would give: the rows inside it, their type errors, request latencies and records, the
    /// corrupt lines, and the window's labels joined by key. Shares this part's arrays when every row is inside.
    /// </summary>
    public TrafficColumns Within(TrafficFrameRequest window)
    {
        var facts = _facts ?? throw new InvalidOperationException("These columns were read without row facts.");
        long from = window.From.UtcTicks, to = window.To.UtcTicks;
        var times = facts.Times(Count);
        var inside = 0;
        foreach (var t in times)
        {
            if (t >= from && t < to)
            {
                inside++;
            }
        }
        var part = new TrafficColumns(_request, keepFacts: false) { CorruptLines = CorruptLines };
        int[]? picked = null; // the rows kept, when not all of them
        if (inside == Count)
        {
            ShareWith(part);
        }
        else
        {
            picked = new int[inside];
            for (int r = 0, i = 0; r < Count; r++)
            {
                if (times[r] >= from && times[r] < to)
                {
                    picked[i++] = r;
                }
            }
            CopyTo(part, picked);
        }
        part.Count = inside;
        // Where each row of this part went in the window's part (-1 outside), for the facts kept by row.
        int At(int row) => picked is null ? row : Array.BinarySearch(picked, row) is var i and >= 0 ? i : -1;
        foreach (var (row, feature) in facts.WrongTypes)
        {
            if (At(row) >= 0)
            {
                part._typeErrors[feature]++;
            }
        }
        foreach (var row in facts.RequestStarts)
        {
            if (At(row) >= 0)
            {
                part._requestLatencies.Add(_latency[row]);
            }
        }
        part.Records = inside;
        var keys = facts.Keys(Count);
        var others = facts.OtherVersions;
        var next = 0; // the next record of another version, in line order among the rows
        for (var r = 0; r <= Count; r++)
        {
            for (; next < others.Count && others[next].Before == r; next++)
            {
                var (ticks, key, _) = others[next];
                if (ticks >= from && ticks < to)
                {
                    part.Records++;
                    if (window.Labels?.Find(key) is { } label)
                    {
                        part._matches.Add(new LabelMatch(-1, label, null));
                    }
                }
            }
            if (r < Count && window.Labels?.Find(keys[r]) is { } found && At(r) is var at and >= 0)
            {
                part._matches.Add(new LabelMatch(at, found, null, PredictionAt(r)));
            }
        }
        return part;
    }

    /// <summary>Gives <paramref name="part"/> this part's rows by sharing its arrays.</summary>
    private void ShareWith(TrafficColumns part)
    {
        Array.Copy(_numbers, part._numbers, _features);
        Array.Copy(_texts, part._texts, _features);
        (part._predicted, part._predictedLabels, part._probability, part._latency, part._predictionKinds, part._capacity) =
            (_predicted, _predictedLabels, _probability, _latency, _predictionKinds, _capacity);
    }

    /// <summary>Copies the <paramref name="picked"/> rows, in order, into <paramref name="part"/>'s first rows.</summary>
    private void CopyTo(TrafficColumns part, int[] picked)
    {
        part.Grow(picked.Length);
        if (_predictedLabels.Length > 0)
        {
            part._predictedLabels = new string?[picked.Length];
        }
        for (var i = 0; i < picked.Length; i++)
        {
            var r = picked[i];
            for (var f = 0; f < _features; f++)
            {
                if (_numbers[f] is { } numbers)
                {
                    part._numbers[f]![i] = numbers[r];
                }
                else
                {
                    part._texts[f]![i] = _texts[f]![r];
                }
            }
            part._predicted[i] = _predicted[r];
            part._probability[i] = _probability[r];
            part._latency[i] = _latency[r];
            part._predictionKinds[i] = _predictionKinds[r];
            if (_predictedLabels.Length > 0)
            {
                part._predictedLabels[i] = _predictedLabels[r];
            }
        }
    }

    /// <summary>An empty part that only counts unreadable lines (of a kept blob whose rows have all left the window).</summary>
    public static TrafficColumns CorruptOnly(TrafficFrameRequest request, long lines) =>
        new(request, keepFacts: false) { CorruptLines = lines };

    private static long LengthOf(Stream stream)
    {
        try
        {
            return stream.CanSeek ? stream.Length : -1;
        }
        catch (NotSupportedException)
        {
            return -1;
        }
    }

    /// <summary>
    /// Sizes the columns once for the rest of the blob, from its length and what the first lines were like (their
    /// length, the share taken) and the share a sampling keeps, instead of doubling them (each doubling copies every
    /// column and touches fresh pages).
    /// </summary>
    private void ReserveFor(long length, long lines, long bytes, double kept)
    {
        if (length <= 0 || bytes <= 0 || Count == 0)
        {
            return;
        }
        var expected = ((double)length - bytes) / bytes * Count * kept * 1.05 + Count + 64;
        if (expected > _capacity)
        {
            Grow((int)Math.Min(expected, MaxReservedRows));
        }
    }

    /// <summary>Reads one line (without its newline) into the next row if it is a record of the window and version.</summary>
    /// <param name="inSample">False for a line read only for its label: its prediction goes with its label match, and
    /// no row is taken.</param>
    public TrafficLine Add(ReadOnlySpan<byte> line, bool inSample = true)
    {
        if (Count == _capacity)
        {
            Grow(_capacity * 2);
        }
        var result = Parse(line, out var row, out var requestIdLength, out var ticks);
        if (result == TrafficLine.Corrupt)
        {
            CorruptLines++;
            return result;
        }
        if (result == TrafficLine.Outside)
        {
            return result;
        }
        Records++;
        var taken = result == TrafficLine.Taken;
        if (_facts is not null)
        {
            var key = requestIdLength > 0 ? RowFacts.KeyOf(_requestId.AsSpan(0, requestIdLength), row) : 0;
            if (taken)
            {
                _facts.Take(Count, ticks, key, row == 0, _wrongType);
            }
            else
            {
                _facts.OtherVersion(ticks, key, Count);
            }
        }
        if (_request.Labels?.Find(_requestId.AsSpan(0, requestIdLength), row) is { } label)
        {
            var prediction = taken ? PredictionAt(Count) : (LoggedPrediction?)null;
            _matches.Add(new LabelMatch(taken && inSample ? Count : -1, label, _request.KeepLabelledRecords ? Whole(line) : null, prediction));
        }
        if (taken && inSample)
        {
            for (var f = 0; f < _features; f++)
            {
                if (_wrongType[f])
                {
                    _typeErrors[f]++;
                }
            }
            if (row == 0)
            {
                _requestLatencies.Add(_latency[Count]);
            }
            Count++;
        }
        return result;
    }

    private static TrafficRecord Whole(ReadOnlySpan<byte> line) =>
        JsonSerializer.Deserialize<TrafficRecord>(line, Json.Options) ?? throw new InvalidOperationException("A record read as a row did not deserialize.");

    private TrafficLine Parse(ReadOnlySpan<byte> line, out int row, out int requestIdLength, out long ticks)
    {
        ticks = 0;
        var fields = new LineFields { RequestIdLength = -1 }; // the id is null until read
        var read = (ReadsPlainObjects && TryReadPlainLine(line, ref fields)) || ReadLine(line, ref fields);
        row = fields.Row;
        requestIdLength = fields.RequestIdLength;
        if (!read || requestIdLength < 0 || !fields.HasFeatures || fields.Prediction.Kind == PredictionKind.None || row < 0 || !fields.HasModel)
        {
            return TrafficLine.Corrupt;
        }
        if (fields.Time < _request.From || fields.Time >= _request.To)
        {
            return TrafficLine.Outside;
        }
        ticks = fields.Time.UtcTicks;
        if (_request.Version is { } wanted && fields.Version != wanted)
        {
            return TrafficLine.OtherVersion;
        }
        var prediction = fields.Prediction;
        _latency[Count] = fields.Latency;
        _predictionKinds[Count] = prediction.Kind;
        _predicted[Count] = prediction.Number;
        _probability[Count] = prediction.Probability;
        if (prediction.Label is not null)
        {
            if (_predictedLabels.Length == 0)
            {
                _predictedLabels = new string?[_capacity];
            }
            _predictedLabels[Count] = prediction.Label;
        }
        return TrafficLine.Taken;
    }

    /// <summary>The top-level fields of a line, as <see cref="Parse"/> reads them.</summary>
    private struct LineFields
    {
        public int RequestIdLength;
        public int Row;
        public DateTimeOffset Time;
        public bool HasModel;
        public int Version;
        public bool HasFeatures;
        public PredictionValue Prediction;
        public double Latency;
    }

    /// <summary>Reads a line's fields with <see cref="Utf8JsonReader"/> (any order, case, spacing or escapes; the
    /// features and prediction objects by their bytes where they are plain); false when it is not a JSON object whose
    /// fields have the types a record's have.</summary>
    private bool ReadLine(ReadOnlySpan<byte> line, ref LineFields fields)
    {
        try
        {
            var rest = line; // what the reader reads: after an object read by its bytes, what follows it
            var reader = new Utf8JsonReader(rest);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false; // null, an array or a scalar: not a record
            }
            // No ClearFeatures here: a row is taken only after ReadFeatures, which clears the row's slots first.
            var nextField = 0;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var field = Field(ref reader, nextField);
                nextField = field + 1;
                reader.Read();
                var type = reader.TokenType;
                switch (field)
                {
                    case 0:
                        if (type == JsonTokenType.Null)
                        {
                            fields.RequestIdLength = -1;
                        }
                        else if (type != JsonTokenType.String)
                        {
                            return false;
                        }
                        else if (!KeepsRequestIds)
                        {
                            fields.RequestIdLength = 0;
                        }
                        else
                        {
                            fields.RequestIdLength = ReadRequestId(ref reader);
                        }
                        break;
                    case 1:
                        if (type != JsonTokenType.Number || !reader.TryGetInt32(out fields.Row))
                        {
                            return false;
                        }
                        break;
                    case 2:
                        if (type != JsonTokenType.String || !reader.TryGetDateTimeOffset(out fields.Time))
                        {
                            return false;
                        }
                        break;
                    case 3:
                        if (type != JsonTokenType.String || !IsModelName(ref reader))
                        {
                            return false;
                        }
                        fields.HasModel = true;
                        break;
                    case 4:
                        if (type != JsonTokenType.Number || !reader.TryGetInt32(out fields.Version))
                        {
                            return false;
                        }
                        break;
                    case 5:
                        if (type == JsonTokenType.Null)
                        {
                            fields.HasFeatures = false;
                            break;
                        }
                        if (type != JsonTokenType.StartObject)
                        {
                            return false;
                        }
                        var start = (int)reader.TokenStartIndex;
                        if (ReadsPlainObjects && TryReadPlainFeatures(rest[start..], out var length))
                        {
                            reader = ReaderAfter(ref rest, start, length);
                            PlainFeatureLines++;
                        }
                        else
                        {
                            ReadFeatures(ref reader);
                        }
                        fields.HasFeatures = true;
                        break;
                    case 6:
                        if (type == JsonTokenType.Null)
                        {
                            fields.Prediction = default;
                            break;
                        }
                        if (type != JsonTokenType.StartObject)
                        {
                            return false;
                        }
                        var at = (int)reader.TokenStartIndex;
                        if (ReadsPlainObjects && TryReadPlainPrediction(rest[at..], out fields.Prediction, out var bytes))
                        {
                            reader = ReaderAfter(ref rest, at, bytes);
                            PlainPredictionLines++;
                        }
                        else if (!TryReadPrediction(rest, ref reader, out fields.Prediction))
                        {
                            return false;
                        }
                        break;
                    case 7:
                        if (!TryGetDouble(ref reader, namedLiterals: true, out fields.Latency))
                        {
                            return false;
                        }
                        break;
                    case 8:
                        if (type != JsonTokenType.Number || !reader.TryGetInt32(out _))
                        {
                            return false;
                        }
                        break;
                    default:
                        reader.Skip();
                        break;
                }
            }
            if (reader.Read())
            {
                return false; // cannot happen after a whole object without the reader throwing; kept as a guard
            }
        }
        catch (JsonException)
        {
            return false;
        }
        return true;
    }

    /// <summary>Whether a line's request id is copied: only labels and facts are joined to rows by it.</summary>
    private bool KeepsRequestIds => _request.Labels is not null || _facts is not null;

    /// <summary>Copies the request id the reader is on into the id buffer; its length, 0 when too long to have a label
    /// (labels never have ids longer than the log accepts, so a longer one cannot match and is not copied).</summary>
    private int ReadRequestId(ref Utf8JsonReader reader)
    {
        if (reader.HasValueSequence || reader.ValueSpan.Length > MaxRequestIdChars * 6)
        {
            return 0;
        }
        if (reader.ValueSpan.Length <= MaxRequestIdChars)
        {
            return reader.CopyString(_requestId); // never more chars than UTF-8 bytes
        }
        if (reader.GetString() is not { Length: <= MaxRequestIdChars } id)
        {
            return 0;
        }
        id.CopyTo(_requestId);
        return id.Length;
    }

    /// <summary>Whether the line is a record whose request id and row have a label, from those two fields alone (the log
    /// writes them first, so the rest of the line is not read).</summary>
    public bool HasLabel(ReadOnlySpan<byte> line)
    {
        if (_request.Labels is not { } labels)
        {
            return false;
        }
        if (TryReadLogStart(line, out var length, out var logged))
        {
            return labels.Find(_requestId.AsSpan(0, length), logged) is not null;
        }
        try
        {
            var reader = new Utf8JsonReader(line);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }
            var idLength = -1;
            int? row = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var field = Field(ref reader, idLength < 0 ? 0 : 1);
                reader.Read();
                switch (field)
                {
                    case 0 when reader.TokenType == JsonTokenType.String:
                        idLength = ReadRequestId(ref reader);
                        break;
                    case 1 when reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var number):
                        row = number;
                        break;
                    default:
                        reader.Skip();
                        break;
                }
                if (idLength >= 0 && row is { } found)
                {
                    return labels.Find(_requestId.AsSpan(0, idLength), found) is not null;
                }
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // Not a record (or an id that is not UTF-8): no label.
        }
        return false;
    }

    private static ReadOnlySpan<byte> LogStart => "{\"requestId\":\""u8;

    private static ReadOnlySpan<byte> RowField => "\",\"row\":"u8;

    /// <summary>
    /// The request id and row of a line that starts as the log writes it (<c>{"requestId":"…","row":n,</c>, the id
    /// without escapes), by matching bytes; false for any other start, which the JSON reader then reads. About a tenth
    /// of the reader's cost, for the many lines a sampled window leaves out.
    /// </summary>
    private bool TryReadLogStart(ReadOnlySpan<byte> line, out int idLength, out int row)
    {
        idLength = 0;
        row = 0;
        if (!line.StartsWith(LogStart))
        {
            return false;
        }
        var rest = line[LogStart.Length..];
        var end = rest.IndexOfAny((byte)'"', (byte)'\\');
        if (end < 0 || end > MaxRequestIdChars || rest[end] != (byte)'"' || !rest[end..].StartsWith(RowField))
        {
            return false;
        }
        var number = rest[(end + RowField.Length)..];
        if (!Utf8Parser.TryParse(number, out row, out var consumed) || consumed == number.Length
            || number[consumed] is not ((byte)',' or (byte)'}'))
        {
            return false;
        }
        var id = rest[..end];
        if (!System.Text.Unicode.Utf8.IsValid(id))
        {
            return false;
        }
        idLength = Encoding.UTF8.GetChars(id, _requestId); // no more chars than bytes
        return true;
    }

    /// <summary>The top-level field a property names (any case), or -1.</summary>
    private static int Field(ref Utf8JsonReader reader, int hint) => NameIndex(ref reader, Fields, FieldNames, hint);

    /// <summary>
    /// Which of <paramref name="names"/> (given also as UTF-8 bytes) a property names, or -1: the raw bytes as written are
    /// matched first, trying <paramref name="hint"/> before the rest (the log writes the fields in order, so the one after
    /// the last), then the unescaped text in any case.
    /// </summary>
    private static int NameIndex(ref Utf8JsonReader reader, byte[][] utf8, string[] names, int hint = -1)
    {
        if (!reader.ValueIsEscaped && !reader.HasValueSequence)
        {
            var name = reader.ValueSpan;
            if (hint >= 0 && hint < utf8.Length && name.SequenceEqual(utf8[hint]))
            {
                return hint;
            }
            for (var i = 0; i < utf8.Length; i++)
            {
                if (name.SequenceEqual(utf8[i]))
                {
                    return i;
                }
            }
        }
        var text = reader.GetString();
        for (var i = 0; i < names.Length; i++)
        {
            if (string.Equals(text, names[i], StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }
        return -1;
    }

    private bool IsModelName(ref Utf8JsonReader reader) =>
        !reader.ValueIsEscaped && !reader.HasValueSequence
            ? IsModelName(reader.ValueSpan)
            : IsModelName(Encoding.UTF8.GetBytes(reader.GetString()!));

    /// <summary>Whether the (unescaped) UTF-8 text is a model name: the last one seen is matched by its bytes.</summary>
    private bool IsModelName(ReadOnlySpan<byte> utf8)
    {
        if (_model.Length > 0 && utf8.SequenceEqual(_model))
        {
            return true;
        }
        if (!ModelName.TryParse(Encoding.UTF8.GetString(utf8), out _, out _))
        {
            return false;
        }
        _model = utf8.ToArray();
        return true;
    }

    private void ClearFeatures()
    {
        for (var f = 0; f < _features; f++)
        {
            _match[f] = Match.None;
            _matchedName[f] = null;
            _wrongType[f] = false;
            if (_numbers[f] is { } numbers)
            {
                numbers[Count] = double.NaN;
            }
            else
            {
                _texts[f]![Count] = null;
            }
        }
    }

    private void ReadFeatures(ref Utf8JsonReader reader)
    {
        ClearFeatures(); // a repeated "features" replaces the earlier one
        var next = 0;
        byte[]? rented = null;
        try
        {
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var f = -1;
                string? name = null;
                if (!reader.ValueIsEscaped && !reader.HasValueSequence)
                {
                    f = Exact(reader.ValueSpan, next);
                }
                else
                {
                    name = reader.GetString()!;
                    var utf8 = Encoding.UTF8.GetBytes(name);
                    f = Exact(utf8, next);
                }
                var take = true;
                if (f >= 0)
                {
                    _match[f] = Match.Exact;
                    next = f + 1;
                }
                else
                {
                    name ??= reader.GetString()!;
                    f = AnyCase(name);
                    if (f >= 0)
                    {
                        // The first name equal in any case counts (its last value, as duplicates overwrite); an exact name beats it.
                        switch (_match[f])
                        {
                            case Match.None:
                                _match[f] = Match.AnyCase;
                                _matchedName[f] = name;
                                break;
                            case Match.AnyCase:
                                take = string.Equals(_matchedName[f], name, StringComparison.Ordinal);
                                break;
                            default:
                                take = false;
                                break;
                        }
                    }
                }
                reader.Read();
                if (f < 0 || !take)
                {
                    reader.Skip();
                    continue;
                }
                ReadValue(ref reader, f, ref rented);
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private int Exact(ReadOnlySpan<byte> name, int hint)
    {
        var names = _request.Names;
        if (hint < names.Length && name.SequenceEqual(names[hint]))
        {
            return hint;
        }
        for (var f = 0; f < names.Length; f++)
        {
            if (name.SequenceEqual(names[f]))
            {
                return f;
            }
        }
        return -1;
    }

    private int AnyCase(string name)
    {
        var columns = _request.Features.Columns;
        for (var f = 0; f < columns.Count; f++)
        {
            if (string.Equals(columns[f].Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return f;
            }
        }
        return -1;
    }

    private void ReadValue(ref Utf8JsonReader reader, int f, ref byte[]? rented)
    {
        var type = reader.TokenType;
        var wrong = false;
        switch (_request.Kinds[f])
        {
            case FeatureKind.Text:
                _texts[f]![Count] = type switch
                {
                    JsonTokenType.String => _levels[f]!.Intern(Unescaped(ref reader, ref rented)),
                    JsonTokenType.Number => _levels[f]!.Intern(reader.ValueSpan), // as written, like GetRawText
                    JsonTokenType.True => "true",
                    JsonTokenType.False => "false",
                    JsonTokenType.Null => null,
                    _ => Wrong<string?>(ref wrong, null),
                };
                break;
            case FeatureKind.Number:
                _numbers[f]![Count] = type switch
                {
                    JsonTokenType.Number => reader.TryGetDouble(out var n) ? n : Wrong(ref wrong, double.NaN),
                    JsonTokenType.String => double.TryParse(Unescaped(ref reader, ref rented), NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
                        ? d : Wrong(ref wrong, double.NaN),
                    JsonTokenType.Null => double.NaN,
                    _ => Wrong(ref wrong, double.NaN),
                };
                break;
            default:
                _numbers[f]![Count] = type switch
                {
                    JsonTokenType.True => 1,
                    JsonTokenType.False => 0,
                    JsonTokenType.Number when reader.TryGetDouble(out var n) && n is 0 or 1 => n,
                    JsonTokenType.String => reader.GetString()!.Trim().ToLowerInvariant() switch
                    {
                        "true" or "1" => 1,
                        "false" or "0" => 0,
                        _ => Wrong(ref wrong, double.NaN),
                    },
                    JsonTokenType.Null => double.NaN,
                    _ => Wrong(ref wrong, double.NaN),
                };
                break;
        }
        if (type is JsonTokenType.StartObject or JsonTokenType.StartArray)
        {
            reader.Skip();
        }
        _wrongType[f] = wrong;
    }

    private static T Wrong<T>(ref bool wrong, T value)
    {
        wrong = true;
        return value;
    }

    /// <summary>A string token's UTF-8 text with escapes resolved; valid until the next call.</summary>
    private static ReadOnlySpan<byte> Unescaped(ref Utf8JsonReader reader, ref byte[]? rented)
    {
        if (!reader.ValueIsEscaped && !reader.HasValueSequence)
        {
            return reader.ValueSpan;
        }
        var length = reader.HasValueSequence ? checked((int)reader.ValueSequence.Length) : reader.ValueSpan.Length;
        if (rented is null || rented.Length < length)
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
            rented = ArrayPool<byte>.Shared.Rent(length);
        }
        var written = reader.CopyString(rented);
        return rented.AsSpan(0, written);
    }

    /// <summary>A double as the serializer reads one with named floating-point literals allowed (when asked).</summary>
    private static bool TryGetDouble(ref Utf8JsonReader reader, bool namedLiterals, out double value)
    {
        value = 0;
        if (reader.TokenType == JsonTokenType.Number)
        {
            return reader.TryGetDouble(out value);
        }
        if (!namedLiterals || reader.TokenType != JsonTokenType.String)
        {
            return false;
        }
        byte[]? rented = null;
        try
        {
            var text = Unescaped(ref reader, ref rented);
            if (text.SequenceEqual("NaN"u8))
            {
                value = double.NaN;
            }
            else if (text.SequenceEqual("Infinity"u8))
            {
                value = double.PositiveInfinity;
            }
            else if (text.SequenceEqual("-Infinity"u8))
            {
                value = double.NegativeInfinity;
            }
            else
            {
                return false;
            }
            return true;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>
    /// The prediction as <c>PredictionJsonConverter</c> reads it: the first of each of "value", "label",
    /// "probabilities" and "probability" in any case, tried in that order.
    /// </summary>
    private bool TryReadPrediction(ReadOnlySpan<byte> line, ref Utf8JsonReader reader, out PredictionValue prediction)
    {
        prediction = default;
        long value = -1, label = -1, probabilities = -1, probability = -1;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var field = PredictionField(ref reader);
            reader.Read();
            ref var slot = ref value;
            if (field == 0)
            {
                slot = ref value;
            }
            else if (field == 1)
            {
                slot = ref label;
            }
            else if (field == 2)
            {
                slot = ref probabilities;
            }
            else if (field == 3)
            {
                slot = ref probability;
            }
            else
            {
                reader.Skip();
                continue;
            }
            if (slot < 0)
            {
                slot = reader.TokenStartIndex;
            }
            reader.Skip();
        }
        if (value >= 0)
        {
            var v = At(line, value);
            if (v.TokenType != JsonTokenType.Number || !v.TryGetDouble(out var number))
            {
                return false;
            }
            prediction = new PredictionValue(PredictionKind.Regression, number, double.NaN, null);
            return true;
        }
        if (label < 0)
        {
            return false;
        }
        var l = At(line, label);
        if (probabilities >= 0)
        {
            if (l.TokenType != JsonTokenType.String)
            {
                return false;
            }
            var text = l.GetString()!;
            var p = At(line, probabilities);
            if (p.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }
            var chosen = double.NaN;
            while (p.Read() && p.TokenType == JsonTokenType.PropertyName)
            {
                var same = p.ValueTextEquals(text);
                p.Read();
                if (!TryGetDouble(ref p, namedLiterals: true, out var share))
                {
                    return false;
                }
                if (same)
                {
                    chosen = share; // a repeated class: the last value, as the dictionary keeps it
                }
            }
            prediction = new PredictionValue(PredictionKind.Multiclass, double.NaN, chosen, _request.PredictedLabels.Intern(text));
            return true;
        }
        if (probability >= 0)
        {
            var q = At(line, probability);
            if (l.TokenType is not (JsonTokenType.True or JsonTokenType.False) || q.TokenType != JsonTokenType.Number || !q.TryGetDouble(out var chance))
            {
                return false;
            }
            prediction = new PredictionValue(PredictionKind.Binary, l.TokenType == JsonTokenType.True ? 1 : 0, chance, null);
            return true;
        }
        return false;
    }

    /// <summary>
    /// Which of "value", "label", "probabilities", "probability" (0-3) a prediction property names in any case, or -1:
    /// the names as the log writes them compared as bytes, any other spelling as the converter compares it.
    /// </summary>
    private static int PredictionField(ref Utf8JsonReader reader) => NameIndex(ref reader, PredictionFields, PredictionFieldNames);

    /// <summary>A reader positioned on the token that starts at the offset.</summary>
    private static Utf8JsonReader At(ReadOnlySpan<byte> line, long offset)
    {
        var reader = new Utf8JsonReader(line[(int)offset..]);
        reader.Read();
        return reader;
    }

    private void Grow(int capacity)
    {
        _capacity = capacity;
        for (var f = 0; f < _features; f++)
        {
            if (_request.Kinds[f] == FeatureKind.Text)
            {
                Array.Resize(ref _texts[f], capacity);
            }
            else
            {
                Array.Resize(ref _numbers[f], capacity);
            }
        }
        Array.Resize(ref _predicted, capacity);
        Array.Resize(ref _probability, capacity);
        Array.Resize(ref _latency, capacity);
        Array.Resize(ref _predictionKinds, capacity);
        if (_predictedLabels.Length > 0)
        {
            Array.Resize(ref _predictedLabels, capacity);
        }
        _facts?.Grow(capacity);
    }

    private enum Match : byte
    {
        None,
        Exact,
        AnyCase,
    }

    private readonly record struct PredictionValue(PredictionKind Kind, double Number, double Probability, string? Label);
}

/// <summary>Which shape a row's prediction had.</summary>
internal enum PredictionKind : byte
{
    None,
    Regression,
    Binary,
    Multiclass,
}
