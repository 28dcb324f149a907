namespace ModelOps.Core.Data;

/// <summary>How a column's values are understood.</summary>
public enum ColumnKind
{
    /// <summary>Real numbers; missing is NaN.</summary>
    Numeric,

    /// <summary>A small set of string levels; missing is null.</summary>
    Categorical,

    /// <summary>true/false; stored as 1/0 in a numeric column, missing is NaN.</summary>
    Boolean,
}
