namespace ModelOps.Core.Data;

/// <summary>How <see cref="Cleaner"/> treats outliers.</summary>
public enum OutlierMethod
{
    /// <summary>Leave values as they are (default).</summary>
    None,

    /// <summary>Clip to the <see cref="CleaningOptions.LowerQuantile"/> and <see cref="CleaningOptions.UpperQuantile"/> of the column.</summary>
    Quantile,

    /// <summary>Clip to [Q1 - k IQR, Q3 + k IQR] with k = <see cref="CleaningOptions.IqrMultiplier"/> (Tukey's fences).</summary>
    Iqr,
}

/// <summary>How <see cref="Cleaner"/> fills missing categorical values.</summary>
public enum CategoricalImputation
{
    /// <summary>The most frequent level (default).</summary>
    MostFrequent,

    /// <summary>An explicit level, <see cref="CleaningOptions.MissingLevel"/>, so "missing" can carry signal of its own.</summary>
    MissingLevel,
}

/// <summary>Settings for <see cref="Cleaner.Clean(Table, string, CleaningOptions, IReadOnlyList{long}?)"/>.</summary>
public sealed record CleaningOptions
{
    public static readonly CleaningOptions Default = new();

    /// <summary>Drop exact duplicate rows, keeping the first (default true).</summary>
    public bool DropDuplicates { get; init; } = true;

    /// <summary>Outlier handling for numeric features (default <see cref="OutlierMethod.None"/>); never applied to the label.</summary>
    public OutlierMethod Outliers { get; init; } = OutlierMethod.None;

    /// <summary>Lower clipping quantile for <see cref="OutlierMethod.Quantile"/> (default 0.01).</summary>
    public double LowerQuantile { get; init; } = 0.01;

    /// <summary>Upper clipping quantile for <see cref="OutlierMethod.Quantile"/> (default 0.99).</summary>
    public double UpperQuantile { get; init; } = 0.99;

    /// <summary>k of <see cref="OutlierMethod.Iqr"/> (default 1.5).</summary>
    public double IqrMultiplier { get; init; } = 1.5;

    /// <summary>How missing categorical values are filled (default most frequent).</summary>
    public CategoricalImputation Categorical { get; init; } = CategoricalImputation.MostFrequent;

    /// <summary>The level used by <see cref="CategoricalImputation.MissingLevel"/> (default "missing").</summary>
    public string MissingLevel { get; init; } = "missing";

    public void Validate()
    {
        var errors = new List<string>();
        if (LowerQuantile is < 0 or > 1 || UpperQuantile is < 0 or > 1 || !(LowerQuantile < UpperQuantile))
            errors.Add($"LowerQuantile and UpperQuantile must be in 0..1 with lower < upper (were {LowerQuantile}, {UpperQuantile}).");
        if (!(IqrMultiplier > 0)) errors.Add($"IqrMultiplier must be positive (was {IqrMultiplier}).");
        if (string.IsNullOrWhiteSpace(MissingLevel)) errors.Add("MissingLevel must not be blank.");
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid cleaning options: " + string.Join(" ", errors));
        }
    }
}
