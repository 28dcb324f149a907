using System.Collections.Concurrent;
using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using ModelOps.Core.Storage;

namespace ModelOps.Core.Data;

/// <summary>
/// The rows a pass sets aside, with why. Given a spill stream, each row is written to it as a JSON line the moment it is
/// set aside and only counted here, so a file that is half duplicates costs the pass no more memory than a clean one;
/// without one, the rows are kept in <see cref="Rows"/> (small tables, tests). <see cref="ReadAsync"/> streams a spill back.
/// </summary>
public sealed class RejectedRowLog
{
    private readonly Stream? _spill;
    private readonly List<RejectedRow> _rows = [];
    private readonly ArrayBufferWriter<byte> _line = new(1024);
    private readonly Utf8JsonWriter _json;

    /// <param name="spill">Where each row goes as a JSON line (not disposed here); null keeps them in <see cref="Rows"/>.</param>
    public RejectedRowLog(Stream? spill = null)
    {
        _spill = spill;
        _json = new Utf8JsonWriter(_line, new JsonWriterOptions { SkipValidation = true, Encoder = Json.Options.Encoder });
    }

    /// <summary>Rows set aside so far.</summary>
    public long Count { get; private set; }

    /// <summary>The rows, in the order set aside, when there is no spill stream; empty otherwise.</summary>
    public IReadOnlyList<RejectedRow> Rows => _rows;

    public void Add(RejectedRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        Count++;
        if (_spill is null)
        {
            _rows.Add(row);
            return;
        }
        StartLine(row.RowNumber, row.Reason);
        foreach (var value in row.Values)
        {
            if (value is null) _json.WriteNullValue();
            else _json.WriteStringValue(value);
        }
        EndLine();
    }

    /// <summary>
    /// Takes a row found on another thread (a reader's, see <see cref="DataFileReader.ReadChunksAsync"/>): it is added at
    /// the next <see cref="AddPosted"/>, on the thread that writes the spill and waits for its uploads.
    /// </summary>
    public void Post(RejectedRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        _posted.Enqueue(row);
    }

    /// <summary>Adds the rows posted so far, in the order posted.</summary>
    public void AddPosted()
    {
        while (_posted.TryDequeue(out var row)) Add(row);
    }

    private readonly ConcurrentQueue<RejectedRow> _posted = new();

    /// <summary>Adds the current row of <paramref name="fields"/>: straight from its spans to the spill, or copied when
    /// kept in memory.</summary>
    internal void Add(long rowNumber, SetAsideReason reason, SourceFields fields)
    {
        if (_spill is null)
        {
            Add(new RejectedRow(rowNumber, reason.ToString(), fields.Copy()));
            return;
        }
        Count++;
        Span<char> text = stackalloc char[256];
        StartLine(rowNumber, reason.TryFormat(text, out var n) ? text[..n] : reason.ToString());
        for (var c = 0; c < fields.Width; c++)
        {
            if (fields.TryGet(c, out var value)) _json.WriteStringValue(value);
            else _json.WriteNullValue();
        }
        EndLine();
    }

    // The line JsonSerializer writes for a RejectedRow with the shared options, written by hand: the serializer's
    // per-call state was a third of a dirty file's allocations.
    private static readonly JsonEncodedText RowNumberName = Name(nameof(RejectedRow.RowNumber));
    private static readonly JsonEncodedText ReasonName = Name(nameof(RejectedRow.Reason));
    private static readonly JsonEncodedText ValuesName = Name(nameof(RejectedRow.Values));

    private static JsonEncodedText Name(string property) =>
        JsonEncodedText.Encode(Json.Options.PropertyNamingPolicy?.ConvertName(property) ?? property, Json.Options.Encoder);

    private void StartLine(long rowNumber, ReadOnlySpan<char> reason)
    {
        _line.ResetWrittenCount();
        _json.Reset(_line);
        _json.WriteStartObject();
        _json.WriteNumber(RowNumberName, rowNumber);
        _json.WriteString(ReasonName, reason);
        _json.WriteStartArray(ValuesName);
    }

    private void EndLine()
    {
        _json.WriteEndArray();
        _json.WriteEndObject();
        _json.Flush();
        _spill!.Write(_line.WrittenSpan);
        _spill.WriteByte((byte)'\n');
    }

    /// <summary>The rows of a spill, one JSON line each, in the order written.</summary>
    public static async IAsyncEnumerable<RejectedRow> ReadAsync(Stream spill, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spill);
        await foreach (var row in JsonSerializer.DeserializeAsyncEnumerable<RejectedRow>(spill, topLevelValues: true, Json.Options, cancellationToken)
            .ConfigureAwait(false))
        {
            yield return row ?? throw new InvalidDataException("A rejected-rows spill holds a null line.");
        }
    }
}
