using System.Text.Json;
using ModelOps.Durable;

namespace ModelOps.Local.Api;

/// <summary>A run in Durable Functions' instance status shape (DESIGN §7).</summary>
internal sealed record RunStatus(
    string InstanceId,
    string Name,
    string RuntimeStatus,
    JsonElement? Input,
    JsonElement? CustomStatus,
    JsonElement? Output,
    DateTimeOffset CreatedTime,
    DateTimeOffset LastUpdatedTime,
    RunFailure? FailureDetails)
{
    public static RunStatus From(OrchestrationMetadata instance)
    {
        // As Durable's HTTP API does, a failed run's output is the reason it failed.
        var output = instance.RuntimeStatus == OrchestrationRuntimeStatus.Failed && instance.FailureDetails is { } failure
            ? JsonSerializer.SerializeToElement(failure.ErrorMessage)
            : Parse(instance.SerializedOutput);
        return new RunStatus(
            instance.InstanceId,
            instance.Name,
            instance.RuntimeStatus.ToString(),
            Parse(instance.SerializedInput),
            Parse(instance.SerializedCustomStatus),
            output,
            instance.CreatedAt,
            instance.LastUpdatedAt,
            instance.FailureDetails is { } details ? new RunFailure(details.ErrorType, details.ErrorMessage) : null);
    }

    private static JsonElement? Parse(string? json) =>
        string.IsNullOrEmpty(json) ? null : JsonDocument.Parse(json).RootElement.Clone();
}

/// <summary>Why a run failed; the stack trace stays in the host's log, not in the API.</summary>
internal sealed record RunFailure(string ErrorType, string ErrorMessage);

/// <summary>Durable's management payload: where to follow, signal, stop and purge a run.</summary>
internal sealed record ManagementPayload(
    string Id,
    string StatusQueryGetUri,
    string SendEventPostUri,
    string TerminatePostUri,
    string PurgeHistoryDeleteUri)
{
    public static ManagementPayload For(string id, HttpRequest request)
    {
        var root = $"{request.Scheme}://{request.Host}/api/runs/{Uri.EscapeDataString(id)}";
        return new ManagementPayload(id, root, root + "/events/{eventName}", root + "/terminate?reason={text}", root);
    }
}
