using System.Buffers.Text;
using System.Text.Json;
using ModelOps.Core.Data;

namespace ModelOps.Core.Serving.Traffic;

/// <summary>
/// Lines as the traffic log writes them, read by matching bytes: the line's fields in the log's order, and within them
/// the features and prediction objects, which hold most of a line's bytes and tokens. <see cref="Utf8JsonReader"/>
/// would otherwise tokenise each and then hand it over value by value. Whatever is not in the log's own shape goes to
/// the reader, from the start of the line or of the object, so what is accepted, rejected and counted is the same.
/// </summary>
internal sealed partial class TrafficColumns
{
    /// <summary>Where the record's reader goes on after an object read here: inside the record, after a value.</summary>
    private static readonly JsonReaderState AfterNestedObject = StateAfterNestedObject();

    /// <summary>Lines read here whole (the others went through <see cref="ReadLine"/>).</summary>
    public long PlainLines { get; private set; }

    /// <summary>Lines whose features object was read here (the others went through <see cref="ReadFeatures"/>).</summary>
    public long PlainFeatureLines { get; private set; }

    /// <summary>Lines whose prediction object was read here (the others went through <see cref="TryReadPrediction"/>).</summary>
    public long PlainPredictionLines { get; private set; }

    /// <summary>Whether plain lines and objects are read here; off, every line goes through <see cref="ReadLine"/> and
    /// every object through <see cref="ReadFeatures"/> and <see cref="TryReadPrediction"/> (the reference the tests hold
    /// this path to).</summary>
    internal bool ReadsPlainObjects { get; init; } = true;

    private static ReadOnlySpan<byte> TimeField => ",\"time\":\""u8;

    private static ReadOnlySpan<byte> ModelField => "\",\"model\":\""u8;

    private static ReadOnlySpan<byte> VersionField => "\",\"version\":"u8;

    private static ReadOnlySpan<byte> FeaturesField => ",\"features\":"u8;

    private static ReadOnlySpan<byte> PredictionObjectField => ",\"prediction\":"u8;

    private static ReadOnlySpan<byte> LatencyField => ",\"latencyMs\":"u8;

    private static ReadOnlySpan<byte> RequestRowsField => ",\"requestRows\":"u8;

    /// <summary>
    /// Reads a line as the log writes it: <c>{"requestId":"…","row":n,"time":"…","model":"…","version":n,"features":{…},
    /// "prediction":{…},"latencyMs":n,"requestRows":n}</c>, in that order and case, without whitespace, the id, time and
    /// model plain ASCII text, integers and the latency JSON numbers, and the features and prediction plain objects (see
    /// <see cref="TryReadPlainFeatures"/>, <see cref="TryReadPlainPrediction"/>). Each value is taken as
    /// <see cref="ReadLine"/> takes it (the time by the reader's own ISO 8601 parse). False for any other line, which
    /// <see cref="ReadLine"/> then reads from its start; <paramref name="fields"/> is set only on success.
    /// </summary>
    private bool TryReadPlainLine(ReadOnlySpan<byte> line, ref LineFields fields)
    {
        if (!line.StartsWith(LogStart))
        {
            return false;
        }
        var at = LogStart.Length;
        var id = line[at..];
        var idLength = PlainStringLength(id);
        if (idLength < 0)
        {
            return false;
        }
        at += idLength;
        if (!Field(line, ref at, RowField) || !TryReadInt32(line, ref at, out var row) || !Field(line, ref at, TimeField))
        {
            return false;
        }
        var timeLength = PlainStringLength(line[at..]);
        if (timeLength < 0 || !TryReadTime(line.Slice(at - 1, timeLength + 2), out var time))
        {
            return false;
        }
        at += timeLength;
        if (!Field(line, ref at, ModelField))
        {
            return false;
        }
        var modelLength = PlainStringLength(line[at..]);
        if (modelLength < 0 || !IsModelName(line.Slice(at, modelLength)))
        {
            return false;
        }
        at += modelLength;
        if (!Field(line, ref at, VersionField) || !TryReadInt32(line, ref at, out var version)
            || !Field(line, ref at, FeaturesField) || !TryReadPlainFeatures(line[at..], out var featuresLength))
        {
            return false;
        }
        at += featuresLength;
        if (!Field(line, ref at, PredictionObjectField) || !TryReadPlainPrediction(line[at..], out var prediction, out var predictionLength))
        {
            return false;
        }
        at += predictionLength;
        if (!Field(line, ref at, LatencyField) || !TryReadFiniteNumber(line[at..], out var latency, out var latencyLength))
        {
            return false;
        }
        at += latencyLength;
        if (!Field(line, ref at, RequestRowsField) || !TryReadInt32(line, ref at, out _) || at != line.Length - 1 || line[at] != (byte)'}')
        {
            return false;
        }
        fields = new LineFields
        {
            RequestIdLength = CopyPlainRequestId(id[..idLength]),
            Row = row,
            Time = time,
            HasModel = true,
            Version = version,
            HasFeatures = true,
            Prediction = prediction,
            Latency = latency,
        };
        PlainLines++;
        PlainFeatureLines++;
        PlainPredictionLines++;
        return true;

        static bool Field(ReadOnlySpan<byte> line, ref int at, ReadOnlySpan<byte> field)
        {
            if (!line[at..].StartsWith(field))
            {
                return false;
            }
            at += field.Length;
            return true;
        }
    }

    /// <summary>The JSON integer at <paramref name="at"/>, when it is one that <see cref="Utf8JsonReader.TryGetInt32"/>
    /// takes: no leading zero, within Int32 (a fraction or exponent after it fails the caller's match of what follows).</summary>
    private static bool TryReadInt32(ReadOnlySpan<byte> line, ref int at, out int value)
    {
        value = 0;
        var number = line[at..];
        var sign = number.Length > 0 && number[0] == (byte)'-' ? 1 : 0;
        var digits = number[sign..].IndexOfAnyExceptInRange((byte)'0', (byte)'9');
        if (digits < 0)
        {
            digits = number.Length - sign;
        }
        var length = sign + digits;
        if (digits == 0 || (digits > 1 && number[sign] == (byte)'0')
            || !Utf8Parser.TryParse(number[..length], out value, out var parsed) || parsed != length)
        {
            return false;
        }
        at += length;
        return true;
    }

    /// <summary>The time in a JSON string (its quotes included), as <see cref="Utf8JsonReader.TryGetDateTimeOffset"/> reads it.</summary>
    private static bool TryReadTime(ReadOnlySpan<byte> quoted, out DateTimeOffset time)
    {
        var reader = new Utf8JsonReader(quoted);
        time = default;
        return reader.Read() && reader.TryGetDateTimeOffset(out time);
    }

    /// <summary>An ASCII request id into the id buffer, as <see cref="ReadRequestId"/> copies one: its length, 0 when no
    /// label could match it (none are wanted, or it is longer than an id the log accepts).</summary>
    private int CopyPlainRequestId(ReadOnlySpan<byte> id)
    {
        if (!KeepsRequestIds || id.Length > MaxRequestIdChars)
        {
            return 0;
        }
        for (var i = 0; i < id.Length; i++)
        {
            _requestId[i] = (char)id[i];
        }
        return id.Length;
    }

    /// <summary>
    /// Reads the features object that <paramref name="json"/> starts with, when it is plain: no whitespace, names and
    /// text values without escapes and in ASCII, every name one of the schema's exactly, values that are strings,
    /// numbers, <c>true</c>, <c>false</c> or <c>null</c>, each of the kind its feature reads without conversion. What it
    /// takes, it takes as <see cref="ReadFeatures"/> would. Anything else returns false, and <see cref="ReadFeatures"/>
    /// reads the object from the start (it clears what was set here).
    /// </summary>
    /// <param name="length">The object's bytes, its braces included.</param>
    private bool TryReadPlainFeatures(ReadOnlySpan<byte> json, out int length)
    {
        length = 0;
        ClearFeatures();
        var at = 1; // after '{'
        if (json.Length > at && json[at] == (byte)'}')
        {
            length = at + 1;
            return true;
        }
        var next = 0;
        while (true)
        {
            if (at >= json.Length || json[at] != (byte)'"')
            {
                return false;
            }
            var nameLength = PlainStringLength(json[(at + 1)..]);
            if (nameLength < 0)
            {
                return false;
            }
            var f = Exact(json.Slice(at + 1, nameLength), next);
            at += nameLength + 2;
            if (f < 0 || at >= json.Length || json[at] != (byte)':')
            {
                return false; // a name in another case, or not a feature: ReadFeatures decides
            }
            var consumed = ReadPlainValue(json[(at + 1)..], f);
            if (consumed <= 0)
            {
                return false;
            }
            at += 1 + consumed;
            next = f + 1;
            if (at >= json.Length)
            {
                return false;
            }
            if (json[at] == (byte)'}')
            {
                length = at + 1;
                return true;
            }
            if (json[at] != (byte)',')
            {
                return false;
            }
            at++;
        }
    }

    /// <summary>Takes the plain value <paramref name="json"/> starts with into feature <paramref name="f"/>, as
    /// <see cref="ReadValue"/> would; its bytes, or -1 when it is not one this reads.</summary>
    private int ReadPlainValue(ReadOnlySpan<byte> json, int f)
    {
        if (json.IsEmpty)
        {
            return -1;
        }
        var kind = _request.Kinds[f];
        var wrong = false;
        int length;
        switch (json[0])
        {
            case (byte)'"':
                length = PlainStringLength(json[1..]);
                if (kind != FeatureKind.Text || length < 0)
                {
                    return -1; // text for a number or a flag is parsed by ReadValue
                }
                _texts[f]![Count] = _levels[f]!.Intern(json.Slice(1, length));
                length += 2;
                break;
            case (byte)'n' when json.StartsWith("null"u8):
                Set(f, kind, double.NaN, null);
                length = 4;
                break;
            case (byte)'t' when json.StartsWith("true"u8):
                wrong = kind == FeatureKind.Number;
                Set(f, kind, kind == FeatureKind.Boolean ? 1 : double.NaN, "true");
                length = 4;
                break;
            case (byte)'f' when json.StartsWith("false"u8):
                wrong = kind == FeatureKind.Number;
                Set(f, kind, kind == FeatureKind.Boolean ? 0 : double.NaN, "false");
                length = 5;
                break;
            default:
                length = DecimalDouble.ReadJsonNumber(json, out var value, out _);
                if (length <= 0)
                {
                    return -1;
                }
                if (kind == FeatureKind.Text)
                {
                    _texts[f]![Count] = _levels[f]!.Intern(json[..length]); // as written, like ReadValue
                    break;
                }
                if (!double.IsFinite(value))
                {
                    return -1; // out of range: ReadValue counts it
                }
                if (kind == FeatureKind.Boolean && value is not (0 or 1))
                {
                    value = double.NaN;
                    wrong = true;
                }
                _numbers[f]![Count] = value;
                break;
        }
        _wrongType[f] = wrong;
        return length;
    }

    private void Set(int f, FeatureKind kind, double number, string? text)
    {
        if (kind == FeatureKind.Text)
        {
            _texts[f]![Count] = text;
        }
        else
        {
            _numbers[f]![Count] = number;
        }
    }

    private static ReadOnlySpan<byte> ValueStart => "{\"value\":"u8;

    private static ReadOnlySpan<byte> LabelStart => "{\"label\":"u8;

    private static ReadOnlySpan<byte> ProbabilityField => ",\"probability\":"u8;

    /// <summary>
    /// Reads the prediction object that <paramref name="json"/> starts with, when it is one of the two plain shapes the
    /// log writes for regression and binary models, <c>{"value":n}</c> and <c>{"label":true,"probability":p}</c>, with
    /// finite numbers; false for anything else (a multiclass prediction, another order or case, more fields), which
    /// <see cref="TryReadPrediction"/> then reads from the start.
    /// </summary>
    /// <param name="length">The object's bytes, its braces included.</param>
    private bool TryReadPlainPrediction(ReadOnlySpan<byte> json, out PredictionValue prediction, out int length)
    {
        prediction = default;
        length = 0;
        // Both shapes end in a number and the closing brace: up to it, the regression's "value" or the binary's label.
        PredictionKind kind;
        var label = double.NaN;
        int at;
        if (json.StartsWith(ValueStart))
        {
            (kind, at) = (PredictionKind.Regression, ValueStart.Length);
        }
        else if (json.StartsWith(LabelStart))
        {
            at = LabelStart.Length;
            if (json[at..].StartsWith("true"u8))
            {
                (label, at) = (1, at + 4);
            }
            else if (json[at..].StartsWith("false"u8))
            {
                (label, at) = (0, at + 5);
            }
            else
            {
                return false;
            }
            if (!json[at..].StartsWith(ProbabilityField))
            {
                return false;
            }
            (kind, at) = (PredictionKind.Binary, at + ProbabilityField.Length);
        }
        else
        {
            return false;
        }
        if (!TryReadFiniteNumber(json[at..], out var number, out var used) || !json[(at + used)..].StartsWith("}"u8))
        {
            return false;
        }
        prediction = kind == PredictionKind.Regression
            ? new PredictionValue(kind, number, double.NaN, null)
            : new PredictionValue(kind, label, number, null);
        length = at + used + 1;
        return true;
    }

    /// <summary>A reader for what follows an object read here (<paramref name="length"/> bytes from
    /// <paramref name="start"/> of <paramref name="rest"/>), in the state a reader that read the object would be in;
    /// <paramref name="rest"/> becomes what it reads.</summary>
    private static Utf8JsonReader ReaderAfter(scoped ref ReadOnlySpan<byte> rest, int start, int length)
    {
        rest = rest[(start + length)..];
        return new Utf8JsonReader(rest, isFinalBlock: true, AfterNestedObject);
    }

    /// <summary>The JSON number <paramref name="json"/> starts with, when it is finite (as <see cref="Utf8JsonReader.TryGetDouble"/> takes it).</summary>
    private static bool TryReadFiniteNumber(ReadOnlySpan<byte> json, out double value, out int length)
    {
        length = DecimalDouble.ReadJsonNumber(json, out value, out _);
        return length > 0 && double.IsFinite(value);
    }

    /// <summary>The bytes of a string's text up to its closing quote, or -1 when the string is not plain: it has an
    /// escape, a control character (which JSON forbids raw) or a byte past ASCII (which the reader would check as UTF-8).
    /// Names and levels are short: a byte at a time beats a vector search's set-up.</summary>
    private static int PlainStringLength(ReadOnlySpan<byte> text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var b = text[i];
            if (b == (byte)'"')
            {
                return i;
            }
            if (b == (byte)'\\' || (uint)(b - 0x20) >= 0x60)
            {
                return -1;
            }
        }
        return -1;
    }

    private static JsonReaderState StateAfterNestedObject()
    {
        var reader = new Utf8JsonReader("{\"features\":{}"u8, isFinalBlock: false, state: default);
        while (reader.Read())
        {
        }
        return reader.CurrentState;
    }
}
