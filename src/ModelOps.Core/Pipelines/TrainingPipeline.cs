using ModelOps.Core.Evaluation;
using ModelOps.Core.Pipelines.Activities;
using ModelOps.Core.Training;

namespace ModelOps.Core.Pipelines;

/// <summary>
/// The training orchestration (DESIGN §4): ingest, clean, search, fit, evaluate against production, gate,
/// register, deploy. Deterministic: every effect is an activity.
/// </summary>
public static class TrainingPipeline
{
    public const string Name = "TrainingPipeline";

    /// <summary>
    /// Bump when a change alters the sequence of activities or what one step hands the next, and keep the old version
    /// registered until its runs have finished: the engine replays each run on the version it started on. Version 2: no
    /// second data pass; Clean hands on the kept rows with the plan and the split (<see cref="KeptRows"/>) instead of
    /// train and holdout files, so a run started on version 1 waits, with a note, for a host that has version 1.
    /// </summary>
    public const string Version = "2";

    // Data problems are not transient, so those steps run once; storage steps ride out a blip.
    private static readonly RetryPolicy Once = new(1, TimeSpan.FromSeconds(1));
    private static readonly RetryPolicy Storage = new(3, TimeSpan.FromSeconds(1), BackoffCoefficient: 2);

    public static async Task<TrainingRunResult> RunAsync(IOrchestrationContext context)
    {
        var input = context.GetInput<TrainingRunInput>();
        var runId = context.InstanceId;

        Report(context, "ingest", $"reading the datasets of model '{input.Model}'");
        var ingest = await context.CallActivityAsync<IngestResult>(
            IngestActivity.Name, new IngestRequest(runId, input.Model), Once);
        var search = ingest.Config.Search;
        var seed = search.Seed;

        Report(context, "clean", $"cleaning {ingest.Rows} rows x {ingest.Columns} columns");
        var clean = await context.CallActivityAsync<CleanResult>(
            CleanActivity.Name, new CleanRequest(runId, input.Model, ingest), Once);
        var data = TrainingData.From(runId, clean);
        var problem = clean.Problem;

        var notes = CleaningNotes(runId, clean);
        Report(context, "train", $"proposing {search.Trials} trials ({search.Strategy} search) for {problem.Task.ToString().ToLowerInvariant()} on '{problem.Label}'");
        var proposals = await context.CallActivityAsync<IReadOnlyList<TrialParameters>>(
            ProposeTrialsActivity.Name, new ProposeTrialsRequest(problem, search, seed), Once);
        var results = await RunTrialsAsync(context, data, proposals, search, seed);
        var best = TrialSelection.Best(results, problem)
            ?? throw new PipelineFailedException(
                $"Every one of the {results.Count} trials failed, so there is no model to deploy. First error: {results[0].Error}");
        var failed = results.Count(r => !r.Succeeded);

        Report(context, "train", $"fitting the best trial ({best.Parameters.Trainer}) on {clean.TrainRows} rows",
            results.Count, results.Count, best.Score);
        var fit = await context.CallActivityAsync<FitResult>(FitActivity.Name, new FitRequest(data, best.Parameters), Once);

        Report(context, "evaluate", $"scoring the candidate and production on {clean.HoldoutRows} held-out rows");
        var evaluation = await context.CallActivityAsync<EvaluateResult>(
            EvaluateActivity.Name, new EvaluateRequest(data, input.Model, fit.ModelPath), Storage);

        Report(context, "gate", "checking the deployment gates");
        var comparison = evaluation.Comparison;
        var gate = Gate.Evaluate(ingest.Config.Gates.ToPolicy(problem), problem.Task, comparison, evaluation.Latency);
        var result = new TrainingRunResult(
            input.Model, TrainingRunResult.Rejected, null, best.Parameters.Trainer, comparison.Candidate,
            comparison.Champion, comparison.ChampionVersion, comparison.ChampionError, evaluation.Latency, gate, results.Count, failed, notes);
        if (!gate.Passed)
        {
            Report(context, "gate", "rejected: " + string.Join("; ", gate.Reasons));
            return result;
        }

        Report(context, "register", "registering a new version");
        var version = await context.CallActivityAsync<int>(RegisterActivity.Name, new RegisterRequest(
            data, input.Model, fit.ModelPath, best.Parameters, comparison.Candidate, ingest.Datasets, ingest.Config), Storage);

        Report(context, "deploy", $"moving production to version {version}");
        await context.CallActivityAsync<DeployResult>(
            DeployActivity.Name, new DeployRequest(input.Model, version, evaluation.ChampionETag, runId), Storage);

        Report(context, "deploy", $"version {version} is in production");
        return result with { Outcome = TrainingRunResult.Deployed, Version = version };
    }

    private static async Task<IReadOnlyList<TrialResult>> RunTrialsAsync(
        IOrchestrationContext context, TrainingData data, IReadOnlyList<TrialParameters> proposals, SearchConfig search, int seed)
    {
        var results = new List<TrialResult>(proposals.Count);
        // Waves of `parallelism` trials: fan out, fan in, report progress between waves.
        for (var start = 0; start < proposals.Count; start += search.Parallelism)
        {
            var wave = proposals.Skip(start).Take(search.Parallelism).Select((parameters, i) =>
                context.CallActivityAsync<TrialResult>(RunTrialActivity.Name,
                    new TrialRequest(data, start + i, parameters, search.Folds, seed), Once));
            results.AddRange(await Task.WhenAll(wave));
            var best = TrialSelection.Best(results, data.Problem);
            Report(context, "train", best is null
                    ? $"{results.Count} of {proposals.Count} trials done; none succeeded yet"
                    : $"{results.Count} of {proposals.Count} trials done; best {data.Problem.Metric} so far {best.Score:0.####} ({best.Parameters.Trainer})",
                results.Count, proposals.Count, best?.Score);
        }
        return results;
    }

    /// <summary>What cleaning changed, in words for the run's output.</summary>
    private static IReadOnlyList<string> CleaningNotes(string runId, CleanResult clean)
    {
        var notes = new List<string>();
        if (clean.DuplicatesDropped > 0)
        {
            notes.Add($"dropped {clean.DuplicatesDropped} exact duplicate rows");
        }
        if (clean.MissingLabelDropped > 0)
        {
            notes.Add($"dropped {clean.MissingLabelDropped} rows without a label");
        }
        if (clean.RejectedRows > 0)
        {
            notes.Add($"{clean.RejectedRows} rejected rows are in quarantine/{runId}/rejected.csv with their reasons");
        }
        if (clean.IdentifierColumnsExcluded.Count > 0)
        {
            notes.Add($"left out {string.Join(", ", clean.IdentifierColumnsExcluded)}: a different value in every row, so an identifier, not a feature");
        }
        notes.AddRange(clean.Warnings);
        return notes;
    }

    private static void Report(IOrchestrationContext context, string step, string message,
        int? trialsDone = null, int? trialsTotal = null, double? bestScore = null)
    {
        var number = RunProgress.StepNames.ToList().IndexOf(step) + 1;
        context.SetCustomStatus(new RunProgress(step, number, RunProgress.StepNames.Count, message, trialsDone, trialsTotal, bestScore));
    }
}

/// <summary>A run cannot go on; the message says why, in words for the person who dropped the data.</summary>
public sealed class PipelineFailedException(string message) : Exception(message);
