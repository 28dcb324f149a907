namespace ModelOps.Core.Training;

/// <summary>What a model learns to predict.</summary>
public enum LearningTask
{
    /// <summary>A real number.</summary>
    Regression,

    /// <summary>One of two classes; the model says whether a row is the positive class.</summary>
    Binary,

    /// <summary>One of three or more classes (or two, when configured).</summary>
    Multiclass,
}
