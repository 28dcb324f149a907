namespace ModelOps.Core.Monitoring;

/// <summary>A hypothesis test's statistic and p-value.</summary>
public readonly record struct TestResult(double Statistic, double PValue);
