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
        _json = new Utf8JsonWriter(_line, new JsonWriterOptions { SkipValidation = true });
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
        _line.ResetWrittenCount();
        _json.Reset(_line);
        JsonSerializer.Serialize(_json, row, Json.Options);
        _json.Flush();
        _spill.Write(_line.WrittenSpan);
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
