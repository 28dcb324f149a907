using System.Text.Json;

namespace ModelOps.Durable;

/// <summary>
/// Orchestrators (by name and version) and activities (by name). Filled before the engine starts; names are case-sensitive.
/// New instances start on the newest version of their orchestrator; each keeps the version it started on for all its replays.
/// </summary>
public sealed class DurableRegistry
{
    private readonly Dictionary<string, SortedList<string, OrchestratorInvoker>> _orchestrators = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ActivityInvoker> _activities = new(StringComparer.Ordinal);

    /// <summary>Registers the unversioned ("") orchestrator <paramref name="name"/>.</summary>
    public DurableRegistry AddOrchestrator<TIn, TOut>(string name, Func<OrchestrationContext, TIn, Task<TOut>> orchestrator) =>
        AddOrchestrator(name, "", orchestrator);

    /// <summary>
    /// Registers one version of an orchestrator. Versions order part by part, numerically where both parts are numbers
    /// ("2" &lt; "10", "1.9" &lt; "1.10"), otherwise ordinally; "" is the oldest.
    /// </summary>
    public DurableRegistry AddOrchestrator<TIn, TOut>(string name, string version, Func<OrchestrationContext, TIn, Task<TOut>> orchestrator)
    {
        ArgumentNullException.ThrowIfNull(orchestrator);
        return AddOrchestratorCore(name, version, async (context, json) =>
            Serialize(await orchestrator(context, context.GetInput<TIn>()!), json));
    }

    /// <summary>Untyped: read the input with <see cref="OrchestrationContext.GetInput{T}"/>; the result is serialised by its runtime type.</summary>
    public DurableRegistry AddOrchestrator(string name, Func<OrchestrationContext, Task<object?>> orchestrator) =>
        AddOrchestrator(name, "", orchestrator);

    /// <summary>Untyped, versioned; see <see cref="AddOrchestrator{TIn, TOut}(string, string, Func{OrchestrationContext, TIn, Task{TOut}})"/>.</summary>
    public DurableRegistry AddOrchestrator(string name, string version, Func<OrchestrationContext, Task<object?>> orchestrator)
    {
        ArgumentNullException.ThrowIfNull(orchestrator);
        return AddOrchestratorCore(name, version, async (context, json) => Serialize(await orchestrator(context), json));
    }

    public DurableRegistry AddOrchestrator(string name, Func<OrchestrationContext, Task> orchestrator) =>
        AddOrchestrator(name, "", orchestrator);

    public DurableRegistry AddOrchestrator(string name, string version, Func<OrchestrationContext, Task> orchestrator)
    {
        ArgumentNullException.ThrowIfNull(orchestrator);
        return AddOrchestratorCore(name, version, async (context, _) =>
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

    internal bool TryGetOrchestrator(string name, string version, out OrchestratorInvoker invoker)
    {
        invoker = null!;
        return _orchestrators.TryGetValue(name, out var versions) && versions.TryGetValue(version, out invoker!);
    }

    /// <summary>The newest registered version of <paramref name="name"/>; null when no version of it is registered.</summary>
    internal string? LatestVersion(string name) =>
        _orchestrators.TryGetValue(name, out var versions) ? versions.Keys[^1] : null;

    /// <summary>Registered versions of <paramref name="name"/>, oldest first, for messages.</summary>
    internal IReadOnlyList<string> Versions(string name) =>
        _orchestrators.TryGetValue(name, out var versions) ? [.. versions.Keys] : [];
    internal bool TryGetActivity(string name, out ActivityInvoker invoker) => _activities.TryGetValue(name, out invoker!);

    internal static string? Serialize(object? value, JsonSerializerOptions json) =>
        value is null ? null : JsonSerializer.Serialize(value, value.GetType(), json);

    private DurableRegistry AddOrchestratorCore(string name, string version, OrchestratorInvoker invoker)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(version);
        if (!_orchestrators.TryGetValue(name, out var versions))
        {
            _orchestrators[name] = versions = new SortedList<string, OrchestratorInvoker>(VersionComparer.Instance);
        }
        if (!versions.TryAdd(version, invoker))
        {
            throw new ArgumentException($"An orchestrator named '{name}' with version '{version}' is already registered.", nameof(version));
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

/// <summary>Orders versions part by part ('.'-separated): numerically where both parts are numbers, otherwise ordinally.</summary>
internal sealed class VersionComparer : IComparer<string>
{
    public static readonly VersionComparer Instance = new();

    public int Compare(string? x, string? y)
    {
        var a = (x ?? "").Split('.');
        var b = (y ?? "").Split('.');
        for (var i = 0; i < Math.Min(a.Length, b.Length); i++)
        {
            var order = long.TryParse(a[i], out var m) && long.TryParse(b[i], out var n) ? m.CompareTo(n) : string.CompareOrdinal(a[i], b[i]);
            if (order != 0)
            {
                return order;
            }
        }
        return a.Length.CompareTo(b.Length);
    }
}
