using System.Text.Json;

namespace ModelOps.Durable;

/// <summary>Orchestrators and activities by name. Filled before the engine starts; names are case-sensitive.</summary>
public sealed class DurableRegistry
{
    private readonly Dictionary<string, OrchestratorInvoker> _orchestrators = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ActivityInvoker> _activities = new(StringComparer.Ordinal);

    public DurableRegistry AddOrchestrator<TIn, TOut>(string name, Func<OrchestrationContext, TIn, Task<TOut>> orchestrator)
    {
        ArgumentNullException.ThrowIfNull(orchestrator);
        return AddOrchestratorCore(name, async (context, json) =>
            Serialize(await orchestrator(context, context.GetInput<TIn>()!), json));
    }

    /// <summary>Untyped: read the input with <see cref="OrchestrationContext.GetInput{T}"/>; the result is serialised by its runtime type.</summary>
    public DurableRegistry AddOrchestrator(string name, Func<OrchestrationContext, Task<object?>> orchestrator)
    {
        ArgumentNullException.ThrowIfNull(orchestrator);
        return AddOrchestratorCore(name, async (context, json) => Serialize(await orchestrator(context), json));
    }

    public DurableRegistry AddOrchestrator(string name, Func<OrchestrationContext, Task> orchestrator)
    {
        ArgumentNullException.ThrowIfNull(orchestrator);
        return AddOrchestratorCore(name, async (context, _) =>
        {
            await orchestrator(context);
            return null;
        });
    }

    public DurableRegistry AddActivity<TIn, TOut>(string name, Func<TIn, ActivityContext, Task<TOut>> activity)
    {
        ArgumentNullException.ThrowIfNull(activity);
        return AddActivityCore(name, async (context, json) => Serialize(await activity(context.GetInput<TIn>()!, context), json));
    }

    public DurableRegistry AddActivity<TIn>(string name, Func<TIn, ActivityContext, Task> activity)
    {
        ArgumentNullException.ThrowIfNull(activity);
        return AddActivityCore(name, async (context, _) =>
        {
            await activity(context.GetInput<TIn>()!, context);
            return null;
        });
    }

    /// <summary>Untyped: read the input with <see cref="ActivityContext.GetInput{T}"/>; the result is serialised by its runtime type.</summary>
    public DurableRegistry AddActivity(string name, Func<ActivityContext, Task<object?>> activity)
    {
        ArgumentNullException.ThrowIfNull(activity);
        return AddActivityCore(name, async (context, json) => Serialize(await activity(context), json));
    }

    internal bool TryGetOrchestrator(string name, out OrchestratorInvoker invoker) => _orchestrators.TryGetValue(name, out invoker!);
    internal bool TryGetActivity(string name, out ActivityInvoker invoker) => _activities.TryGetValue(name, out invoker!);

    internal static string? Serialize(object? value, JsonSerializerOptions json) =>
        value is null ? null : JsonSerializer.Serialize(value, value.GetType(), json);

    private DurableRegistry AddOrchestratorCore(string name, OrchestratorInvoker invoker)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (!_orchestrators.TryAdd(name, invoker))
        {
            throw new ArgumentException($"An orchestrator named '{name}' is already registered.", nameof(name));
        }
        return this;
    }

    private DurableRegistry AddActivityCore(string name, ActivityInvoker invoker)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (!_activities.TryAdd(name, invoker))
        {
            throw new ArgumentException($"An activity named '{name}' is already registered.", nameof(name));
        }
        return this;
    }
}

/// <summary>The engine's untyped view of an orchestrator: JSON output.</summary>
internal delegate Task<string?> OrchestratorInvoker(OrchestrationContext context, JsonSerializerOptions json);

/// <summary>The engine's untyped view of an activity: JSON in (through the context), JSON out.</summary>
internal delegate Task<string?> ActivityInvoker(ActivityContext context, JsonSerializerOptions json);
