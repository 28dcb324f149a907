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
    public override IReadOnlyList<string?>[] Fields(IReadOnlyList<int> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var columns = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var c = 0; c < names.Count; c++)
        {
            columns.TryAdd(names[c], c);
        }
        var fields = new IReadOnlyList<string?>[rows.Count];
        for (var i = 0; i < fields.Length; i++)
        {
            var values = new string?[names.Count];
            var seen = new bool[names.Count];
            using var line = JsonDocument.Parse(Record(rows[i]).ToArray());
            foreach (var property in line.RootElement.EnumerateObject())
            {
                if (!columns.TryGetValue(property.Name.Trim(), out var c) || seen[c])
                {
                    continue;
                }
                seen[c] = true;
                var value = property.Value;
                values[c] = value.ValueKind switch
                {
                    JsonValueKind.Null => null,
                    JsonValueKind.String => value.GetString(),
                    _ => value.GetRawText(),
                };
            }
            fields[i] = values;
        }
        return fields;
    }
}
