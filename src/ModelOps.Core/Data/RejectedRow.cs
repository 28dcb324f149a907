namespace ModelOps.Core.Data;

/// <summary>
/// A row left out of the table, with why. <see cref="RowNumber"/> counts records in the file as a spreadsheet
/// shows them: the header is row 1, the first data row is row 2.
/// </summary>
/// <param name="Values">The row's fields as text (missing = null); a ragged row keeps all its fields.</param>
public sealed record RejectedRow(long RowNumber, string Reason, IReadOnlyList<string?> Values);
