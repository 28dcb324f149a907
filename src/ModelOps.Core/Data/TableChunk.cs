namespace ModelOps.Core.Data;

/// <summary>A run of consecutive rows of a larger data set, with each row's number in its source file (header = 1).</summary>
public sealed record TableChunk(Table Rows, long[] RowNumbers)
{
    /// <summary>The rows as the file has them, when the reader kept them (CSV and JSON lines, streamed).</summary>
    internal SourceRows? Source { get; init; }
}
