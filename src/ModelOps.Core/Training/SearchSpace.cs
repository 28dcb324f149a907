namespace ModelOps.Core.Training;

/// <summary>One hyperparameter's range; integer values are rounded, log-scale ranges are sampled evenly in log space.</summary>
public sealed record HyperparameterRange(string Name, double Min, double Max, bool Integer = false, bool LogScale = false, double? Default = null)
{
    /// <summary>The value at <paramref name="fraction"/> (0..1) of the range, on its scale, rounded if integer.</summary>
    public double At(double fraction)
    {
        fraction = Math.Clamp(fraction, 0, 1);
        // exp(log(x)) is not always x: give the ends exactly, so grids hit the declared bounds.
        var value = fraction == 0 ? Min : fraction == 1 ? Max : LogScale
            ? Math.Exp(Math.Log(Min) + (fraction * (Math.Log(Max) - Math.Log(Min))))
            : Min + (fraction * (Max - Min));
        return Integer ? Math.Clamp(Math.Round(value), Min, Max) : Math.Clamp(value, Min, Max);
    }

    public bool Contains(double value) => value >= Min && value <= Max && (!Integer || value == Math.Round(value));
}

/// <summary>A trainer and the hyperparameters a search may vary.</summary>
public sealed record TrainerSpace(string Trainer, IReadOnlyList<HyperparameterRange> Parameters);

/// <summary>The trainers a search chooses among, each with its hyperparameter ranges.</summary>
public sealed record SearchSpace(IReadOnlyList<TrainerSpace> Trainers);
