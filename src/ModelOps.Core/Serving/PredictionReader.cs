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
                    return BinaryPrediction.From(isPositive, p);
                }
            default:
                _scores!(ref _buffer);
                // Scores are in class-key order, which is the order of Problem.Classes.
                return MulticlassPrediction.FromScores(_buffer.IsDense ? _buffer.GetValues() : _buffer.DenseValues().ToArray(), _problem.Classes!);
        }
    }
}
