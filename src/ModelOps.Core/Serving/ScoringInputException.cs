namespace ModelOps.Core.Serving;

/// <summary>Rows to score were malformed; <see cref="Errors"/> lists every bad field. Hosts answer 400 with these.</summary>
public sealed class ScoringInputException : ArgumentException
{
    /// <summary>At most this many errors are listed; the message says how many more there were.</summary>
    internal const int MaxListed = 50;

    public ScoringInputException(IReadOnlyList<string> errors)
        : base(Describe(errors))
    {
        Errors = errors;
    }

    public IReadOnlyList<string> Errors { get; }

    private static string Describe(IReadOnlyList<string> errors)
    {
        var listed = string.Join("; ", errors.Take(MaxListed));
        var more = errors.Count > MaxListed ? $"; and {errors.Count - MaxListed} more" : string.Empty;
        return $"The input has {errors.Count} problem{(errors.Count == 1 ? string.Empty : "s")}: {listed}{more}.";
    }
}
