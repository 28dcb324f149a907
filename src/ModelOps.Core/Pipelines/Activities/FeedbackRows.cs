using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ModelOps.Core.Data;
using ModelOps.Core.Registry;
using ModelOps.Core.Serving.Traffic;
using ModelOps.Core.Storage;

namespace ModelOps.Core.Pipelines.Activities;

/// <summary>
/// Scored traffic that later got its ground truth, as training rows in a dataset's columns: what a retrain learns from
/// besides the dropped files. Rows are read back through the data reader, so they get the same kinds and coercions.
/// </summary>
internal static class FeedbackRows
{
    public static async Task<(Table? Rows, DatasetBlob? Lineage)> ReadAsync(
        FeedbackStore feedback, ModelName model, TableSchema schema, string label, DateTimeOffset from, DateTimeOffset to,
        CancellationToken cancellationToken)
    {
        var window = await feedback.JoinAsync(model, from, to, cancellationToken);
        if (window.Rows.Count == 0)
        {
            return (null, null);
        }
        using var lines = new MemoryStream();
        using (var writer = new Utf8JsonWriter(lines))
        {
            foreach (var row in window.Rows)
            {
                writer.WriteStartObject();
                foreach (var column in schema.Columns)
                {
                    writer.WritePropertyName(column.Name);
                    var value = string.Equals(column.Name, label, StringComparison.OrdinalIgnoreCase) ? row.Label
                        : row.Record.Features.TryGetValue(column.Name, out var feature) ? feature : default;
                    if (value.ValueKind == JsonValueKind.Undefined)
                    {
                        writer.WriteNullValue();
                    }
                    else
                    {
                        value.WriteTo(writer);
                    }
                }
                writer.WriteEndObject();
                await writer.FlushAsync(cancellationToken);
                lines.WriteByte((byte)'\n');
                writer.Reset(); // one JSON value per line
            }
        }
        lines.Position = 0;
        var read = await DataFileReader.ReadAsync(lines, "feedback.jsonl", new CsvReadOptions { Schema = schema }, cancellationToken: cancellationToken);
        var ids = string.Join("\n", window.Rows.Select(r => $"{r.Record.RequestId}/{r.Record.Row}"));
        var lineage = new DatasetBlob(
            $"{StorageLayout.Traffic}/{model}/feedback [{from:yyyy-MM-ddTHH:mm}Z, {to:yyyy-MM-ddTHH:mm}Z)",
            ETag: "", Bytes: lines.Length, Sha256: Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(ids))));
        return (read.Table, lineage);
    }
}
