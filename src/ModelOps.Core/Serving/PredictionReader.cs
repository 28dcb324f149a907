using Microsoft.ML;
using Microsoft.ML.Data;
using ModelOps.Core.Training;

namespace ModelOps.Core.Serving;

/// <summary>Reads the prediction of the current row of a scored row or cursor, in the shape of the problem's task.</summary>
internal sealed class PredictionReader
{
    private readonly TrainingProblem _problem;
    private readonly ValueGetter<float>? _score;
    private readonly ValueGetter<bool>? _label;
    private readonly ValueGetter<float>? _probability;
    private readonly ValueGetter<VBuffer<float>>? _scores;
    private VBuffer<float> _buffer;

    public PredictionReader(DataViewRow row, TrainingProblem problem)
    {
        _problem = problem;
        var schema = row.Schema;
        switch (problem.Task)
        {
            case LearningTask.Regression:
                _score = row.GetGetter<float>(schema["Score"]);
                break;
            case LearningTask.Binary:
                _label = row.GetGetter<bool>(schema["PredictedLabel"]);
                _probability = row.GetGetter<float>(schema["Probability"]);
                break;
            default:
                _scores = row.GetGetter<VBuffer<float>>(schema["Score"]);
                break;
        }
    }

    /// <summary>The output columns a reader needs for a task: the only ones a scoring path has to compute.</summary>
    public static IEnumerable<DataViewSchema.Column> Columns(DataViewSchema schema, LearningTask task) => task switch
    {
        LearningTask.Binary => [schema["PredictedLabel"], schema["Probability"]],
        _ => [schema["Score"]],
    };

    public Prediction Read()
    {
        switch (_problem.Task)
        {
            case LearningTask.Regression:
                {
                    var value = 0f;
                    _score!(ref value);
                    return new RegressionPrediction(value);
                }
            case LearningTask.Binary:
                {
                    var isPositive = false;
                    var p = 0f;
                    _label!(ref isPositive);
                    _probability!(ref p);
                    return new BinaryPrediction(isPositive, float.IsNaN(p) ? (isPositive ? 1 : 0) : Math.Clamp(p, 0, 1));
                }
            default:
                _scores!(ref _buffer);
                return Multiclass(_buffer.DenseValues().ToArray(), _problem.Classes!);
        }
    }

    // Scores are in class-key order, which is the order of Problem.Classes; one-versus-all scores need not sum to 1.
    private static MulticlassPrediction Multiclass(float[] scores, IReadOnlyList<string> classes)
    {
        var clipped = scores.Select(s => float.IsNaN(s) ? 0 : Math.Max(s, 0)).ToArray();
        var sum = clipped.Sum();
        var probabilities = new Dictionary<string, double>(classes.Count, StringComparer.Ordinal);
        var best = 0;
        for (var i = 0; i < classes.Count; i++)
        {
            var p = i < clipped.Length ? (sum > 0 ? clipped[i] / sum : 1.0 / classes.Count) : 0;
            probabilities[classes[i]] = p;
            if (p > probabilities[classes[best]])
            {
                best = i;
            }
        }
        return new MulticlassPrediction(classes[best], probabilities);
    }
}
