using ModelOps.Core.Pipelines;
using ModelOps.Core.Pipelines.Activities;
using ModelOps.Durable;

namespace ModelOps.Local.Engine;

/// <summary>Registers Core's orchestrations and activities with the local durable engine, by name.</summary>
internal static class PipelineRegistration
{
    public static void AddModelOpsPipelines(this DurableRegistry registry, IServiceProvider services)
    {
        registry.AddOrchestrator<TrainingRunInput, TrainingRunResult>(
            TrainingPipeline.Name, TrainingPipeline.Version, (context, _) => TrainingPipeline.RunAsync(new DurableContextAdapter(context)));
        registry.AddOrchestrator<ScoreBlobInput, ScoreBlobResult>(
            ScoreBlobPipeline.Name, (context, _) => ScoreBlobPipeline.RunAsync(new DurableContextAdapter(context)));
        registry.AddOrchestrator<RetrainInput, TrainingRunResult>(
            RetrainPipeline.Name, (context, _) => RetrainPipeline.RunAsync(new DurableContextAdapter(context)));

        var journal = services.GetRequiredService<ActivityJournal>();
        Add<IngestActivity, IngestRequest, IngestResult>();
        Add<CleanActivity, CleanRequest, CleanResult>();
        Add<ProposeTrialsActivity, ProposeTrialsRequest, IReadOnlyList<Core.Training.TrialParameters>>();
        Add<RunTrialActivity, TrialRequest, Core.Training.TrialResult>();
        Add<FitActivity, FitRequest, FitResult>();
        Add<EvaluateActivity, EvaluateRequest, EvaluateResult>();
        Add<RegisterActivity, RegisterRequest, int>();
        Add<DeployActivity, DeployRequest, DeployResult>();
        Add<ScoreBlobActivity, ScoreBlobInput, ScoreBlobResult>();

        void Add<TActivity, TInput, TOutput>()
            where TActivity : IActivity<TInput, TOutput>
        {
            var activity = ActivatorUtilities.GetServiceOrCreateInstance<TActivity>(services);
            registry.AddActivity<TInput, TOutput>(TActivity.Name, async (input, context) =>
            {
                journal.Record(context.InstanceId, context.Name, context.TaskId, "started");
                var output = await activity.RunAsync(input, context.CancellationToken);
                journal.Record(context.InstanceId, context.Name, context.TaskId, "completed");
                return output;
            });
        }
    }
}
