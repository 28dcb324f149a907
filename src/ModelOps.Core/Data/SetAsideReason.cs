using System.Diagnostics.CodeAnalysis;

namespace ModelOps.Core.Data;

/// <summary>
/// Why a data pass set a row aside: its label is missing, or it is an exact duplicate of an earlier row. Written as text
/// (<c>exact duplicate of row 12</c>, <c>b.csv: label is missing</c>) only where it goes, so a file of many duplicates
/// makes no string a row.
/// </summary>
/// <param name="File">The file the row is in, when the data set has several; its name starts the text.</param>
/// <param name="DuplicateOf">The row it duplicates; below zero when the label is missing.</param>
/// <param name="DuplicateIn">The file of the row it duplicates, when another file.</param>
internal readonly record struct SetAsideReason(string? File, long DuplicateOf = -1, string? DuplicateIn = null) : ISpanFormattable
{
    public bool TryFormat(Span<char> destination, out int charsWritten, [StringSyntax(StringSyntaxAttribute.NumericFormat)] ReadOnlySpan<char> format = default,
        IFormatProvider? provider = null)
    {
        var colon = File is null ? "" : ": ";
        return DuplicateOf < 0 ? destination.TryWrite($"{File}{colon}label is missing", out charsWritten)
            : DuplicateIn is null ? destination.TryWrite($"{File}{colon}exact duplicate of row {DuplicateOf}", out charsWritten)
            : destination.TryWrite($"{File}{colon}exact duplicate of row {DuplicateOf} of {DuplicateIn}", out charsWritten);
    }

    public override string ToString() => $"{this}";

    string IFormattable.ToString(string? format, IFormatProvider? formatProvider) => ToString();
}
