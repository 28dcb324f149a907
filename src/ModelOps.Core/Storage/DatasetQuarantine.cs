using Azure.Storage.Blobs;
using Microsoft.Extensions.Logging;

namespace ModelOps.Core.Storage;

/// <summary>Moves a data blob that cannot be processed to the quarantine container, with a reason beside it.</summary>
public sealed partial class DatasetQuarantine(BlobServiceClient blobs, ILogger<DatasetQuarantine> logger)
{
    /// <summary>Blobs outside any valid model folder are kept here; '_' can never start a model name.</summary>
    internal const string Unassigned = "_unassigned";

    public async Task QuarantineAsync(BlobClient source, ModelName? model, string reason, CancellationToken cancellationToken)
    {
        var quarantine = blobs.GetBlobContainerClient(StorageLayout.Quarantine);
        var file = Path.GetFileName(source.Name);
        var target = model is { } m ? StorageLayout.QuarantinedFile(m, file) : $"{Unassigned}/{Sanitise(source.Name)}";
        var copy = quarantine.GetBlobClient(target);
        var operation = await copy.StartCopyFromUriAsync(source.Uri, cancellationToken: cancellationToken);
        await operation.WaitForCompletionAsync(cancellationToken);
        await quarantine.GetBlobClient(model is { } named ? StorageLayout.QuarantineReason(named, file) : target + ".reason.txt")
            .UploadAsync(BinaryData.FromString(reason + Environment.NewLine), overwrite: true, cancellationToken);
        await source.DeleteIfExistsAsync(cancellationToken: cancellationToken);
        LogQuarantined(source.Name, target, reason);
    }

    private static string Sanitise(string name) =>
        new(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_').ToArray());

    [LoggerMessage(Level = LogLevel.Warning, Message = "Quarantined {Blob} as {Target}: {Reason}")]
    private partial void LogQuarantined(string blob, string target, string reason);
}
