using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using ModelOps.Core.Pipelines;
using ModelOps.Core.Storage;
using ModelOps.Durable;
using ModelOps.Local.Engine;

namespace ModelOps.Local.Api;

/// <summary>Starting, reading and signalling pipeline runs (DESIGN §7).</summary>
internal static class RunsApi
{
    private const string ContinuationHeader = "x-ms-continuation-token";

    public static IEndpointRouteBuilder MapRunsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/retrain/{model}", RetrainAsync);
        var runs = app.MapGroup("/api/runs");
        runs.MapGet("/", ListAsync);
        runs.MapGet("/{id}", GetAsync);
        runs.MapPost("/{id}/events/{name}", RaiseEventAsync);
        runs.MapPost("/{id}/terminate", TerminateAsync);
        runs.MapDelete("/{id}", PurgeAsync);
        return app;
    }

    private static async Task<Results<Accepted<ManagementPayload>, ProblemHttpResult>> RetrainAsync(
        string model, HttpRequest request, PipelineClient pipelines, DatasetCatalog datasets, TimeProvider time,
        CancellationToken cancellationToken)
    {
        if (!ModelName.TryParse(model, out var name, out var error))
        {
            return Problems.BadRequest(error);
        }
        if (!await datasets.HasDataAsync(name, cancellationToken))
        {
            return Problems.NotFound($"Model '{name}' has no data files in datasets/{name}/ to train on.");
        }
        var (runId, running) = await pipelines.StartRetrainAsync(name, "http", time.GetUtcNow(), cancellationToken);
        if (runId is null)
        {
            return Problems.Conflict($"A retrain of '{name}' is already running (run {running}); one runs at a time.");
        }
        var payload = ManagementPayload.For(runId, request);
        return TypedResults.Accepted(payload.StatusQueryGetUri, payload);
    }

    /// <summary>Runs newest first; paging as Durable's instances API: the next page's token is in x-ms-continuation-token.</summary>
    private static async Task<Results<Ok<IReadOnlyList<RunStatus>>, ProblemHttpResult>> ListAsync(
        string? model, string? status, DateTimeOffset? createdTimeFrom, DateTimeOffset? createdTimeTo, int? top,
        HttpRequest request, HttpResponse response, PipelineClient pipelines, CancellationToken cancellationToken)
    {
        var statuses = new List<OrchestrationRuntimeStatus>();
        foreach (var name in (status ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Enum.TryParse<OrchestrationRuntimeStatus>(name, ignoreCase: true, out var parsed))
            {
                return Problems.BadRequest($"'{name}' is not a run status: use one of {string.Join(", ", Enum.GetNames<OrchestrationRuntimeStatus>())}.");
            }
            statuses.Add(parsed);
        }
        ModelName? modelName = null;
        if (model is not null)
        {
            if (!ModelName.TryParse(model, out var parsedModel, out var error))
            {
                return Problems.BadRequest(error);
            }
            modelName = parsedModel;
        }
        var (runs, next) = await pipelines.ListRunsAsync(modelName, statuses.Count > 0 ? statuses : null,
            createdTimeFrom, createdTimeTo, Math.Clamp(top ?? 100, 1, 1000), request.Headers[ContinuationHeader].FirstOrDefault(), cancellationToken);
        if (next is not null)
        {
            response.Headers[ContinuationHeader] = next;
        }
        return TypedResults.Ok<IReadOnlyList<RunStatus>>(runs.Select(RunStatus.From).ToList());
    }

    private static async Task<Results<Ok<RunStatus>, ProblemHttpResult>> GetAsync(
        string id, PipelineClient pipelines, CancellationToken cancellationToken) =>
        await pipelines.GetRunAsync(id, cancellationToken) is { } instance
            ? TypedResults.Ok(RunStatus.From(instance))
            : Problems.NotFound($"There is no run '{id}'.");

    private static async Task<Results<Accepted, ProblemHttpResult>> RaiseEventAsync(
        string id, string name, HttpRequest request, PipelineClient pipelines, CancellationToken cancellationToken)
    {
        object? payload = null;
        if (request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            try
            {
                payload = await JsonSerializer.DeserializeAsync<JsonElement>(request.Body, Json.Options, cancellationToken);
            }
            catch (JsonException e)
            {
                return Problems.BadRequest($"The event payload is not valid JSON: {e.Message}");
            }
        }
        if (await pipelines.Durable.GetInstanceAsync(id, cancellationToken) is not { } instance)
        {
            return Problems.NotFound($"There is no run '{id}'.");
        }
        if (instance.RuntimeStatus is not (OrchestrationRuntimeStatus.Pending or OrchestrationRuntimeStatus.Running))
        {
            return Problems.Conflict($"Run '{id}' is {instance.RuntimeStatus} and takes no more events.");
        }
        await pipelines.Durable.RaiseEventAsync(id, name, payload, cancellationToken);
        return TypedResults.Accepted((string?)null);
    }

    private static async Task<Results<Accepted, ProblemHttpResult>> TerminateAsync(
        string id, string? reason, PipelineClient pipelines, CancellationToken cancellationToken)
    {
        if (await pipelines.Durable.GetInstanceAsync(id, cancellationToken) is not { } instance)
        {
            return Problems.NotFound($"There is no run '{id}'.");
        }
        if (instance.RuntimeStatus is not (OrchestrationRuntimeStatus.Pending or OrchestrationRuntimeStatus.Running))
        {
            return Problems.Conflict($"Run '{id}' is already {instance.RuntimeStatus}.");
        }
        await pipelines.Durable.TerminateInstanceAsync(id, reason ?? "terminated over HTTP", cancellationToken);
        return TypedResults.Accepted((string?)null);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> PurgeAsync(
        string id, PipelineClient pipelines, CancellationToken cancellationToken)
    {
        if (await pipelines.Durable.GetInstanceAsync(id, cancellationToken) is not { } instance)
        {
            return Problems.NotFound($"There is no run '{id}'.");
        }
        if (instance.RuntimeStatus is OrchestrationRuntimeStatus.Pending or OrchestrationRuntimeStatus.Running)
        {
            return Problems.Conflict($"Run '{id}' is still {instance.RuntimeStatus}; terminate it before purging its history.");
        }
        await pipelines.Durable.PurgeInstanceAsync(id, cancellationToken);
        return TypedResults.NoContent();
    }
}
