using System.Text.RegularExpressions;

namespace ModelOps.Core.Storage;

/// <summary>A user-given "container/path" blob address, checked before it touches storage.</summary>
public static partial class BlobPath
{
    /// <exception cref="ArgumentException">Not container/path, or an invalid container name.</exception>
    public static (string Container, string Path) Parse(string? blob)
    {
        var slash = blob?.IndexOf('/') ?? -1;
        if (blob is null || slash <= 0 || slash == blob.Length - 1)
        {
            throw new ArgumentException($"'{blob}' is not a blob address: use container/path, e.g. scoring/customers.csv.");
        }
        var container = blob[..slash];
        if (!ContainerName().IsMatch(container) || container.Contains("--"))
        {
            throw new ArgumentException($"'{container}' is not a valid container name: 3 to 63 lowercase letters, digits and single dashes.");
        }
        if (blob.Length > 1024 || blob.Contains("..") || blob.Any(char.IsControl))
        {
            throw new ArgumentException($"'{blob}' is not an acceptable blob path.");
        }
        return (container, blob[(slash + 1)..]);
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")]
    private static partial Regex ContainerName();
}
