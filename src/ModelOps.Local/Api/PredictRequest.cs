using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using ModelOps.Local.Hosting;

namespace ModelOps.Local.Api;

/// <summary>The body of a predict call: one row as a JSON object, or <c>{"rows": [...]}</c>.</summary>
internal sealed record PredictRequest(IReadOnlyList<IReadOnlyDictionary<string, JsonElement>>? Rows, ProblemHttpResult? Problem)
{
    public static async Task<PredictRequest> ReadAsync(HttpRequest request, ModelOpsOptions limits, CancellationToken cancellationToken)
    {
        // Kestrel enforces the size as the body streams in, chunked bodies too, so nothing oversized is buffered;
        // the parser reads straight from the body into pooled buffers.
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = limits.MaxRequestBytes;
        }
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(request.Body, cancellationToken: cancellationToken);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return Fail(Problems.TooLarge($"The request body is over {limits.MaxRequestBytes} bytes."));
        }
        catch (JsonException e)
        {
            return Fail(Problems.BadRequest($"The request body is not valid JSON: {e.Message}"));
        }
        using (document)
        {
            // One copy of the body outlives the pooled document; every row's values point into it.
            var root = document.RootElement.Clone();
            if (root.ValueKind != JsonValueKind.Object)
            {
                return Fail(Problems.BadRequest("The request body must be a JSON object: one row, or {\"rows\": [ ... ]}."));
            }
            if (!root.TryGetProperty("rows", out var rows))
            {
                return new PredictRequest([Row(root)], null);
            }
            if (rows.ValueKind != JsonValueKind.Array || rows.EnumerateArray().Any(r => r.ValueKind != JsonValueKind.Object))
            {
                return Fail(Problems.BadRequest("\"rows\" must be an array of JSON objects, one per row."));
            }
            var count = rows.GetArrayLength();
            if (count == 0)
            {
                return Fail(Problems.BadRequest("\"rows\" is empty: send at least one row."));
            }
            if (count > limits.MaxPredictRows)
            {
                return Fail(Problems.TooLarge($"{count} rows were sent; at most {limits.MaxPredictRows} are scored in one request."));
            }
            return new PredictRequest(rows.EnumerateArray().Select(Row).ToList(), null);
        }
    }

    private static IReadOnlyDictionary<string, JsonElement> Row(JsonElement row)
    {
        var values = new Dictionary<string, JsonElement>(StringComparer.OrdinalIgnoreCase);
        foreach (var property in row.EnumerateObject())
        {
            values[property.Name] = property.Value;
        }
        return values;
    }

    private static PredictRequest Fail(ProblemHttpResult problem) => new(null, problem);
}
