using System.Text.Json;

namespace ModelOps.Core.Data;

/// <summary>
/// A JSON-lines chunk's lines as read (UTF-8); the rows asked for are parsed again and each column's value given as
/// written: a string's text, a number's digits, <c>true</c>/<c>false</c>, an object or array as its JSON; null or absent
/// as missing. Keys match columns as the reader matched them (trimmed, any case, the first of repeated keys).
/// </summary>
internal sealed class JsonSourceRows(SourceBuffers<byte> buffers, IReadOnlyList<string> names)
    : SourceRows<byte>(buffers)
{
    public override SourceFields Read(IReadOnlyList<int> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        return new Fields(this, rows, names);
    }

    /// <summary>Each line asked for, parsed again when reached.</summary>
    private sealed class Fields(JsonSourceRows source, IReadOnlyList<int> rows, IReadOnlyList<string> names) : SourceFields
    {
        private readonly Dictionary<string, int> _columns = Columns(names);
        private readonly string?[] _values = new string?[names.Count];
        private readonly bool[] _seen = new bool[names.Count];
        private int _next = -1;

        public override int Width => names.Count;

        public override bool MoveNext()
        {
            if (++_next >= rows.Count)
            {
                return false;
            }
            Array.Clear(_values);
            Array.Clear(_seen);
            using var line = JsonDocument.Parse(source.Record(rows[_next]).ToArray());
            foreach (var property in line.RootElement.EnumerateObject())
            {
                if (!_columns.TryGetValue(property.Name.Trim(), out var c) || _seen[c])
                {
                    continue;
                }
                _seen[c] = true;
                var value = property.Value;
                _values[c] = value.ValueKind switch
                {
                    JsonValueKind.Null => null,
                    JsonValueKind.String => value.GetString(),
                    _ => value.GetRawText(),
                };
            }
            return true;
        }

        public override bool TryGet(int column, out ReadOnlySpan<char> text)
        {
            text = _values[column];
            return _values[column] is not null;
        }

        public override IReadOnlyList<string?> Copy() => [.. _values];

        private static Dictionary<string, int> Columns(IReadOnlyList<string> names)
        {
            var columns = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
            for (var c = 0; c < names.Count; c++)
            {
                columns.TryAdd(names[c], c);
            }
            return columns;
        }
    }
}
