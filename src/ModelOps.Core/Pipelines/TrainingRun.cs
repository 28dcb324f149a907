using ModelOps.Core.Data;
using ModelOps.Core.Evaluation;
using ModelOps.Core.Registry;
using ModelOps.Core.Storage;
using ModelOps.Core.Training;

namespace ModelOps.Core.Pipelines;

/// <summary>Why a training run started, and for which model.</summary>
/// <param name="Trigger">blob, http or monitor.</param>
/// <param name="Blob">The data blob that started it, when a blob did.</param>
public sealed record TrainingRunInput(ModelName Model, string Trigger, string? Blob = null, string? BlobETag = null);

/// <summary>What a finished run did: deployed a version, or kept production because a gate said no.</summary>
public sealed record TrainingRunResult(
    ModelName Model,
    string Outcome,
    int? Version,
    string Trainer,
    IReadOnlyDictionary<string, double> Metrics,
    IReadOnlyDictionary<string, double>? ChampionMetrics,
    int? ChampionVersion,
    string? ChampionSkipped,
    LatencyReport Latency,
    GateResult Gate,
    int TrialsRun,
    int TrialsFailed,
    IReadOnlyList<string> Notes)
{
    public const string Deployed = "deployed";
    public const string Rejected = "rejected";
}

/// <summary>The run's current step and progress, shown as customStatus.</summary>
public sealed record RunProgress(string Step, int StepNumber, int Steps, string Message, int? TrialsDone = null, int? TrialsTotal = null, double? BestScore = null)
{
    public static readonly IReadOnlyList<string> StepNames = ["ingest", "clean", "train", "evaluate", "gate", "register", "deploy"];
}

public sealed record IngestRequest(string RunId, ModelName Model);

/// <summary>The raw data read for a run: where it came from, its shape, and the config it runs with.</summary>
/// <param name="DataPath">The rows of every dataset blob, concatenated, as one CSV in the run's folder.</param>
/// <param name="SchemaPath">The kinds read for <paramref name="DataPath"/>'s columns.</param>
/// <param name="RejectedRows">Rows left out: unreadable ones and those the data pass set aside (no label, duplicates).</param>
public sealed record IngestResult(
    IReadOnlyList<DatasetBlob> Datasets,
    int Rows,
    int Columns,
    int RejectedRows,
    ModelConfig Config,
    string DataPath,
    string SchemaPath);

public sealed record CleanRequest(string RunId, ModelName Model, IngestResult Ingested);

/// <summary>
/// Where a run's cleaned rows come from: the rows the first data pass kept (a chunk file in the run's folder), the
/// cleaning plan, applied as they are read, and the split into training and held-out rows (<see cref="CleanedRows"/>).
/// </summary>
/// <param name="LeftOut">Columns the read leaves out: the run's identifier columns, which are never features.</param>
/// <param name="TrainRows">Rows on the training side, counted when the split was made (0: not known).</param>
/// <param name="HoldoutRows">Rows on the held-out side, likewise.</param>
public sealed record KeptRows(string Path, string PlanPath, HoldoutSplit Split, IReadOnlyList<string>? LeftOut = null, long TrainRows = 0, long HoldoutRows = 0);

/// <summary>Cleaned data split into training and held-out rows, and the problem inferred from it.</summary>
/// <param name="Warnings">Validation anomalies that did not stop the run, as "[code] message".</param>
public sealed record CleanResult(
    TrainingProblem Problem,
    KeptRows Rows,
    string SchemaPath,
    int DuplicatesDropped,
    int MissingLabelDropped,
    int RejectedRows,
    IReadOnlyList<string> Warnings,
    FeedbackWeighting? Feedback = null)
{
    public long TrainRows => Rows.TrainRows;

    public long HoldoutRows => Rows.HoldoutRows;

    /// <summary>Columns left out of the features because every row has its own value (ids).</summary>
    public IReadOnlyList<string> IdentifierColumnsExcluded => Rows.LeftOut ?? [];
}

/// <summary>
/// How training weighs the traffic rows learned from feedback (<c>monitor.feedbackWeight</c>): the rows numbered from
/// <paramref name="FirstRow"/> on (Ingest appends them after every dataset row) count <paramref name="Weight"/> times a
/// dataset row. Only the training steps see it, as an extra column; the data's schema, profile and baseline never do.
/// </summary>
public sealed record FeedbackWeighting(long FirstRow, double Weight)
{
    /// <summary>The column that carries the weights into the trainers; reserved, so no data file may have it.</summary>
    public const string Column = "__feedback_weight__";

    /// <summary>The rows with their weights as an extra <see cref="Column"/>, given each row's source row number.</summary>
    public Table AddTo(Table table, IReadOnlyList<long> rowNumbers)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(rowNumbers);
        if (rowNumbers.Count != table.RowCount)
        {
            throw new ArgumentException($"{rowNumbers.Count} row numbers for {table.RowCount} rows.", nameof(rowNumbers));
        }
        if (table.Schema.IndexOf(Column) >= 0)
        {
            throw new PipelineFailedException($"The data has a column named '{Column}', a name reserved for the weights of feedback rows.");
        }
        var weights = new double[table.RowCount];
        for (var r = 0; r < weights.Length; r++) weights[r] = rowNumbers[r] >= FirstRow ? Weight : 1;
        var schema = new TableSchema([.. table.Schema.Columns, new ColumnSchema(Column, ColumnKind.Numeric)]);
        return new Table(schema, [.. Enumerable.Range(0, table.ColumnCount).Select(table.Column), weights]);
    }
}

/// <summary>Where a run's cleaned data is, and what to learn from it: what every training step needs.</summary>
/// <param name="Feedback">How the training steps weigh feedback rows; null when every row counts alike.</param>
public sealed record TrainingData(string RunId, TrainingProblem Problem, string SchemaPath, KeptRows Rows, FeedbackWeighting? Feedback = null)
{
    public static TrainingData From(string runId, CleanResult clean) =>
        new(runId, clean.Problem, clean.SchemaPath, clean.Rows, clean.Feedback);
}

public sealed record ProposeTrialsRequest(TrainingProblem Problem, SearchConfig Search, int Seed);

public sealed record TrialRequest(TrainingData Data, int Trial, TrialParameters Parameters, int Folds, int Seed);

public sealed record FitRequest(TrainingData Data, TrialParameters Parameters);

public sealed record FitResult(string ModelPath, long Bytes);

public sealed record EvaluateRequest(TrainingData Data, ModelName Model, string ModelPath);

/// <summary>Candidate and champion scored on the same held-out rows, and the candidate's single-row latency.</summary>
/// <param name="ChampionETag">The production alias as it was read, so deployment replaces only this champion.</param>
public sealed record EvaluateResult(ChampionComparison Comparison, string? ChampionETag, LatencyReport Latency);

public sealed record RegisterRequest(
    TrainingData Data,
    ModelName Model,
    string ModelPath,
    TrialParameters Parameters,
    IReadOnlyDictionary<string, double> Metrics,
    IReadOnlyList<DatasetBlob> Datasets,
    ModelConfig Config);

public sealed record DeployRequest(ModelName Model, int Version, string? ExpectedProductionETag, string RunId);

public sealed record DeployResult(int Version, int? PreviousVersion);
