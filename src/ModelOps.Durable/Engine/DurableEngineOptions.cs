using System.Text.Json;
using Microsoft.Extensions.Options;

namespace ModelOps.Durable;

/// <summary>Settings of the local durable engine; validated when it starts.</summary>
public sealed class DurableEngineOptions
{
    /// <summary>Azure Storage (or Azurite) connection string holding the hub's table and containers.</summary>
    public string? StorageConnectionString { get; set; }

    /// <summary>Prefix of every table and container: lowercase letters and digits, 3-41 chars, starting with a letter.</summary>
    public string TaskHub { get; set; } = "modelops";

    public int MaxConcurrentActivities { get; set; } = 2 * Environment.ProcessorCount;
    public int MaxConcurrentOrchestrations { get; set; } = Environment.ProcessorCount;

    /// <summary>The clock for history timestamps and durable timers; tests pass a FakeTimeProvider.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>How long a graceful <see cref="DurableEngine.StopAsync"/> lets running activities finish and records their results.</summary>
    public TimeSpan GracefulStopTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often storage is probed for <see cref="DurableEngine.IsHealthy"/> (wall-clock time, whatever <see cref="TimeProvider"/> is).</summary>
    public TimeSpan StorageHealthCheckInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Options for inputs, outputs, custom status and event payloads.</summary>
    public JsonSerializerOptions JsonSerializerOptions { get; set; } = new(JsonSerializerDefaults.Web);

    /// <summary>Every problem with these options, empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(StorageConnectionString))
        {
            errors.Add($"{nameof(StorageConnectionString)} is required.");
        }
        if (TaskHub is null || !StorageNames.TaskHubPattern().IsMatch(TaskHub))
        {
            errors.Add($"{nameof(TaskHub)} '{TaskHub}' must be 3-41 lowercase letters or digits starting with a letter (it prefixes table and container names).");
        }
        if (MaxConcurrentActivities < 1)
        {
            errors.Add($"{nameof(MaxConcurrentActivities)} must be at least 1 (was {MaxConcurrentActivities}).");
        }
        if (MaxConcurrentOrchestrations < 1)
        {
            errors.Add($"{nameof(MaxConcurrentOrchestrations)} must be at least 1 (was {MaxConcurrentOrchestrations}).");
        }
        if (GracefulStopTimeout < TimeSpan.Zero)
        {
            errors.Add($"{nameof(GracefulStopTimeout)} must not be negative (was {GracefulStopTimeout}).");
        }
        if (StorageHealthCheckInterval <= TimeSpan.Zero)
        {
            errors.Add($"{nameof(StorageHealthCheckInterval)} must be positive (was {StorageHealthCheckInterval}).");
        }
        if (TimeProvider is null)
        {
            errors.Add($"{nameof(TimeProvider)} is required.");
        }
        if (JsonSerializerOptions is null)
        {
            errors.Add($"{nameof(JsonSerializerOptions)} is required.");
        }
        return errors;
    }
}

/// <summary>Lets a generic host check <see cref="DurableEngineOptions"/> at start-up (ValidateOnStart).</summary>
public sealed class DurableEngineOptionsValidator : IValidateOptions<DurableEngineOptions>
{
    public ValidateOptionsResult Validate(string? name, DurableEngineOptions options)
    {
        var errors = options.Validate();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
