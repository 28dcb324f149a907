using System.Text.RegularExpressions;

namespace ModelOps.Durable;

/// <summary>Every table, container and blob name the engine uses, derived from the task hub so hubs can share an account.</summary>
internal static partial class StorageNames
{
    public static string InstancesTable(string hub) => $"{hub}Instances";
    public static string HistoryContainer(string hub) => $"{hub}-history";
    public static string PayloadsContainer(string hub) => $"{hub}-payloads";
    public static string InboxContainer(string hub) => $"{hub}-inbox";
    public static string InboxBlob(string instanceId, string eventId) => $"{instanceId}/{eventId}.json";
    public static string HistoryBlob(string instanceId, string executionId) => $"{instanceId}/{executionId}.jsonl";
    public static string InstancePrefix(string instanceId) => $"{instanceId}/";

    /// <summary>Lowercase letters and digits, starting with a letter: valid in both table and container names.</summary>
    [GeneratedRegex("^[a-z][a-z0-9]{2,40}$")]
    public static partial Regex TaskHubPattern();

    /// <summary>An instance id is a table partition key and a blob path segment: no '/', '\', '#', '?' or control characters.</summary>
    public static void ValidateInstanceId(string instanceId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(instanceId);
        if (instanceId.Length > 256 || instanceId.Any(c => c is '/' or '\\' or '#' or '?' || char.IsControl(c)))
        {
            throw new ArgumentException(
                $"Instance id '{instanceId}' is invalid: at most 256 characters, none of '/', '\\', '#', '?' or control characters.",
                nameof(instanceId));
        }
    }
}
