using System.Text;
using System.Text.Json;

namespace ModelOps.Core.Data;

/// <summary>
/// Reads one JSON line in a single pass into staged values, and adds them to the columns only once the whole line has
/// proved valid, so a bad line adds nothing. Keys are first matched by their raw bytes against the key at the same
/// place in the previous lines (one file's lines nearly always repeat their keys in one order), and only otherwise
/// decoded and looked up ignoring case. Not thread-safe: one per read.
/// </summary>
internal sealed class JsonLineParser(JsonColumns columns, CsvReadOptions options)
{
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 64 };

    private enum Kind : byte { Missing, True, False, Text, Number, Raw }

    /// <summary>A value read but not yet added: where it goes (or its new key), and where its text is.</summary>
    private record struct Staged(JsonTarget Target, string? NewKey, Kind Kind, int Start, int Length);

    private Staged[] _staged = new Staged[32];
    private int _count;
    private char[] _chars = new char[1024];
    private int _charCount;
    private byte[]?[] _keyBytes = new byte[]?[32];
    private JsonTarget[] _keyTargets = new JsonTarget[32];
    private bool[] _seen = new bool[32];

    /// <summary>Adds the line's values as one row (keys it leaves out missing); returns why it is rejected instead, or null.</summary>
    public string? TryAdd(ReadOnlySpan<byte> line)
    {
        _count = 0;
        _charCount = 0;
        try
        {
            var reader = new Utf8JsonReader(line, ReaderOptions);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return "is not a JSON object";
            }
            for (var position = 0; reader.Read() && reader.TokenType == JsonTokenType.PropertyName; position++)
            {
                var (target, newKey) = Key(ref reader, position);
                reader.Read();
                Stage(ref reader, position, target, newKey);
            }
            if (reader.Read())
            {
                return "has more than one JSON value";
            }
        }
        catch (JsonException e)
        {
            return $"is not valid JSON ({FirstSentence(e.Message)})";
        }
        Commit(line);
        return null;
    }

    private (JsonTarget Target, string? NewKey) Key(ref Utf8JsonReader reader, int position)
    {
        if (position >= _keyBytes.Length)
        {
            Array.Resize(ref _keyBytes, _keyBytes.Length * 2);
            Array.Resize(ref _keyTargets, _keyTargets.Length * 2);
        }
        if (!reader.ValueIsEscaped && _keyBytes[position] is { } known && reader.ValueSpan.SequenceEqual(known))
        {
            return (_keyTargets[position], null);
        }
        var name = reader.GetString()!.Trim();
        if (!columns.TryFind(name, out var target))
        {
            return (default, name); // made when the line proves valid; the next line finds it by its bytes
        }
        if (!reader.ValueIsEscaped)
        {
            _keyBytes[position] = reader.ValueSpan.ToArray();
            _keyTargets[position] = target;
        }
        return (target, null);
    }

    private void Stage(ref Utf8JsonReader reader, int position, JsonTarget target, string? newKey)
    {
        if (_count == _staged.Length)
        {
            Array.Resize(ref _staged, _staged.Length * 2);
        }
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                _staged[_count++] = new Staged(target, newKey, Kind.Missing, 0, 0);
                break;
            case JsonTokenType.True:
                _staged[_count++] = new Staged(target, newKey, Kind.True, 0, 0);
                break;
            case JsonTokenType.False:
                _staged[_count++] = new Staged(target, newKey, Kind.False, 0, 0);
                break;
            case JsonTokenType.String:
                // A string never has more UTF-16 chars than its UTF-8 bytes.
                if (_chars.Length - _charCount < reader.ValueSpan.Length)
                {
                    Array.Resize(ref _chars, Math.Max(_chars.Length * 2, _charCount + reader.ValueSpan.Length));
                }
                var written = reader.CopyString(_chars.AsSpan(_charCount));
                if (written > options.MaxFieldLength)
                {
                    throw new DataFileException(DataFileErrorCodes.FieldTooLong,
                        $"A value of key '{KeyName(position, target, newKey)}' has {written:N0} characters; the limit is {options.MaxFieldLength:N0}.");
                }
                _staged[_count++] = new Staged(target, newKey, Kind.Text, _charCount, written);
                _charCount += written;
                break;
            case JsonTokenType.Number:
                _staged[_count++] = new Staged(target, newKey, Kind.Number, (int)reader.TokenStartIndex, reader.ValueSpan.Length);
                break;
            default:
                // A nested object or array: kept as its JSON text.
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                _staged[_count++] = new Staged(target, newKey, Kind.Raw, start, (int)reader.BytesConsumed - start);
                break;
        }
    }

    /// <summary>A key's name for a message (only the error path decodes it).</summary>
    private string KeyName(int position, JsonTarget target, string? newKey) =>
        newKey ?? (target.Column >= 0 ? columns.Names[target.Column] : _keyBytes[position] is { } bytes ? Encoding.UTF8.GetString(bytes) : "?");

    private void Commit(ReadOnlySpan<byte> line)
    {
        Span<char> number = stackalloc char[64];
        for (var i = 0; i < _count; i++)
        {
            var staged = _staged[i];
            var target = staged.NewKey is { } key ? columns.Find(key) : staged.Target;
            if (target.Column >= 0)
            {
                if (_seen.Length < columns.Count)
                {
                    Array.Resize(ref _seen, Math.Max(columns.Count, _seen.Length * 2));
                }
                if (_seen[target.Column])
                {
                    continue; // a repeated key: the first value wins
                }
                _seen[target.Column] = true;
            }
            if (columns.Builder(target) is not { } builder)
            {
                continue; // a late key whose sample is full
            }
            switch (staged.Kind)
            {
                case Kind.Missing:
                    builder.AddMissing();
                    break;
                case Kind.True:
                    builder.Add("true");
                    break;
                case Kind.False:
                    builder.Add("false");
                    break;
                case Kind.Text:
                    builder.Add(_chars.AsSpan(staged.Start, staged.Length).Trim());
                    break;
                case Kind.Number when staged.Length <= number.Length:
                    builder.Add(number[..Encoding.UTF8.GetChars(line.Slice(staged.Start, staged.Length), number)]);
                    break;
                default:
                    builder.Add(Encoding.UTF8.GetString(line.Slice(staged.Start, staged.Length)));
                    break;
            }
        }
        for (var c = 0; c < columns.Count; c++)
        {
            if (c >= _seen.Length || !_seen[c])
            {
                columns.Feeder.AddMissing(c);
            }
        }
        Array.Clear(_seen);
    }

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return (end > 0 ? message[..end] : message).TrimEnd('.');
    }
}
