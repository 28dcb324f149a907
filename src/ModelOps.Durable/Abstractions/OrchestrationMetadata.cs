using System.Text.Json;

namespace ModelOps.Durable;

/// <summary>The stored state of one orchestration instance; payloads are JSON text.</summary>
public sealed record OrchestrationMetadata(
    string InstanceId,
    string Name,
    OrchestrationRuntimeStatus RuntimeStatus,
    DateTimeOffset CreatedAt,
    DateTimeOffset LastUpdatedAt,
    string? SerializedInput,
    string? SerializedOutput,
    string? SerializedCustomStatus,
    TaskFailureDetails? FailureDetails)
{
    /// <summary>The orchestrator version the instance started on and replays with ("" when unversioned).</summary>
    public string Version { get; init; } = "";

    /// <summary>Why the engine is not driving a running instance, e.g. its version is not registered by this host; null otherwise.</summary>
    public string? Note { get; init; }

    public bool IsRunning => RuntimeStatus is OrchestrationRuntimeStatus.Pending or OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.ContinuedAsNew;
    public bool IsCompleted => RuntimeStatus.IsTerminal();

    public T? ReadInputAs<T>(JsonSerializerOptions? options = null) => Read<T>(SerializedInput, options);
    public T? ReadOutputAs<T>(JsonSerializerOptions? options = null) => Read<T>(SerializedOutput, options);
    public T? ReadCustomStatusAs<T>(JsonSerializerOptions? options = null) => Read<T>(SerializedCustomStatus, options);

    private static T? Read<T>(string? json, JsonSerializerOptions? options) =>
        json is null ? default : JsonSerializer.Deserialize<T>(json, options ?? JsonSerializerOptions.Web);
}
