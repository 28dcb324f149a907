using System.Text.Json;

namespace ModelOps.Durable;

/// <summary>What an activity knows about its invocation.</summary>
public sealed class ActivityContext
{
    private readonly string? _input;
    private readonly JsonSerializerOptions _json;

    internal ActivityContext(string name, string instanceId, int taskId, string? input, JsonSerializerOptions json, CancellationToken cancellationToken)
    {
        Name = name;
        InstanceId = instanceId;
        TaskId = taskId;
        _input = input;
        _json = json;
        CancellationToken = cancellationToken;
    }

    public string Name { get; }
    public string InstanceId { get; }

    /// <summary>The id of the scheduling action within its orchestration; with <see cref="InstanceId"/> an idempotency key.</summary>
    public int TaskId { get; }

    /// <summary>Cancelled when the engine stops.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>The raw JSON input, for untyped activities.</summary>
    public string? SerializedInput => _input;

    public T? GetInput<T>() => _input is null ? default : JsonSerializer.Deserialize<T>(_input, _json);
}
