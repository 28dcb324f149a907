using System.Text.Json;
using ModelOps.Core.Data;
using ModelOps.Core.Training;

namespace ModelOps.Core.Serving;

/// <summary>
/// What a model version accepts, whatever runs it: its features (validated with one message per bad field), the fill
/// values and clip ranges its training data was cleaned with, and which sent fields it does not use. Every scorer reads
/// its input through this, so ML.NET and ONNX versions answer bad input the same way. Immutable, so thread-safe.
/// </summary>
internal sealed class ScoringInput
{
    private readonly CleaningReport? _cleaning;

    // Worked out once per model, not per request: which features have a fill value, and which names are features.
    private readonly FillValue[] _fills;
    private readonly HashSet<string> _fillable;
    private readonly HashSet<string> _features;

    /// <param name="featureSchema">The features a row must give, in <see cref="TrainingProblem.Features"/> order.</param>
    /// <param name="cleaning">The training run's cleaning plan: a feature a row leaves out (or sends as null) gets the
    /// value training filled in for it. Without a plan every feature is required.</param>
    public ScoringInput(TrainingProblem problem, TableSchema featureSchema, CleaningReport? cleaning)
    {
        Problem = problem;
        FeatureSchema = featureSchema;
        _cleaning = cleaning;
        _features = new HashSet<string>(problem.Features, StringComparer.OrdinalIgnoreCase);
        _fills = problem.Features.Select(feature =>
            cleaning?.Imputations.FirstOrDefault(i => string.Equals(i.Column, feature, StringComparison.OrdinalIgnoreCase)) is { } plan
                ? new FillValue(plan.Number, plan.Category, Clip(cleaning, feature))
                : new FillValue(null, null, Clip(cleaning, feature))).ToArray();
        _fillable = new HashSet<string>(
            problem.Features.Where((_, i) => _fills[i].Number is not null || _fills[i].Category is not null), StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>A feature's fill value and the range training clipped it to, if it did.</summary>
    private readonly record struct FillValue(double? Number, string? Category, ColumnClip? Clip);

    public TrainingProblem Problem { get; }

    public TableSchema FeatureSchema { get; }

    private static ColumnClip? Clip(CleaningReport? cleaning, string feature) =>
        cleaning?.Clips?.FirstOrDefault(c => string.Equals(c.Column, feature, StringComparison.OrdinalIgnoreCase));

    /// <summary>The rows as a feature table (columns in feature order), filled and clipped as training did.</summary>
    /// <exception cref="ScoringInputException">Some row lacks a feature that has no fill value, or gives one of the wrong type; every such field is listed.</exception>
    public Table Read(IReadOnlyList<IReadOnlyDictionary<string, JsonElement>> rows)
    {
        var table = ScoringRows.ToTable(rows, FeatureSchema, _fillable);
        FillInPlace(table); // the table is this call's own: no copy
        return table;
    }

    /// <summary>A table's feature columns in feature order (other columns dropped), filled and clipped as training did.</summary>
    public Table Features(Table table)
    {
        ArgumentNullException.ThrowIfNull(table);
        if (!table.Schema.Columns.Select(c => c.Name).SequenceEqual(Problem.Features, StringComparer.OrdinalIgnoreCase))
        {
            table = table.SelectColumns(Problem.Features);
        }
        return _cleaning is null ? table : Cleaner.Apply(table, _cleaning);
    }

    /// <summary>Field names the rows send that are not features of this model, in order of first appearance.</summary>
    public IReadOnlyList<string> UnknownFields(IReadOnlyList<IReadOnlyDictionary<string, JsonElement>> rows)
    {
        List<string>? unknown = null;
        foreach (var row in rows)
        {
            foreach (var name in row.Keys)
            {
                if (!_features.Contains(name) && !(unknown ??= []).Contains(name, StringComparer.OrdinalIgnoreCase))
                {
                    unknown.Add(name);
                }
            }
        }
        return unknown ?? (IReadOnlyList<string>)[];
    }

    private void FillInPlace(Table features)
    {
        for (var c = 0; c < _fills.Length; c++)
        {
            switch (features.Column(c))
            {
                case double[] numbers:
                    var (fill, clip) = (_fills[c].Number, _fills[c].Clip);
                    for (var r = 0; r < numbers.Length; r++)
                    {
                        if (double.IsNaN(numbers[r]) && fill is { } value)
                        {
                            numbers[r] = value;
                        }
                        if (clip is not null)
                        {
                            // The model learnt on clipped values; new rows are clipped the same way.
                            numbers[r] = Math.Clamp(numbers[r], clip.Lower, clip.Upper);
                        }
                    }
                    break;
                case string?[] texts when _fills[c].Category is { } level:
                    for (var r = 0; r < texts.Length; r++)
                    {
                        texts[r] ??= level;
                    }
                    break;
            }
        }
    }
}
