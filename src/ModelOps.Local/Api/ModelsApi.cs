using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using ModelOps.Core.Pipelines;
using ModelOps.Core.Monitoring;
using ModelOps.Core.Registry;
using ModelOps.Core.Serving.Traffic;
using ModelOps.Core.Serving;
using ModelOps.Core.Serving.Onnx;
using ModelOps.Core.Storage;
using ModelOps.Local.Engine;
using ModelOps.Local.Hosting;

namespace ModelOps.Local.Api;

/// <summary>Registered models, their versions and aliases, and scoring (DESIGN §7).</summary>
internal static class ModelsApi
{
    public static IEndpointRouteBuilder MapModelsApi(this IEndpointRouteBuilder app)
    {
        var models = app.MapGroup("/api/models");
        models.MapGet("/", ListAsync);
        models.MapGet("/{model}", GetAsync);
        models.MapPost("/{model}/predict", PredictAsync);
        models.MapPost("/{model}/versions", ImportAsync);
        models.MapPost("/{model}/aliases/{alias}", SetAliasAsync);
        models.MapPost("/{model}/score-blob", ScoreBlobAsync);
        models.MapPost("/{model}/feedback", FeedbackAsync);
        models.MapPost("/{model}/monitor", MonitorAsync);
        models.MapGet("/{model}/monitoring", MonitoringAsync);
        return app;
    }

    private static async Task<Ok<IReadOnlyList<ModelSummary>>> ListAsync(ModelRegistry registry, CancellationToken cancellationToken)
    {
        var names = await registry.ListModelsAsync(cancellationToken);
        var summaries = await Task.WhenAll(names.Select(n => SummaryAsync(registry, n, cancellationToken)));
        return TypedResults.Ok<IReadOnlyList<ModelSummary>>(summaries.OfType<ModelSummary>().ToList());
    }

    private static async Task<Results<Ok<ModelSummary>, ProblemHttpResult>> GetAsync(
        string model, ModelRegistry registry, CancellationToken cancellationToken)
    {
        if (!ModelName.TryParse(model, out var name, out var error))
        {
            return Problems.BadRequest(error);
        }
        return await SummaryAsync(registry, name, cancellationToken) is { } summary
            ? TypedResults.Ok(summary)
            : Problems.NotFound($"There is no registered model '{name}'.");
    }

    private static async Task<Results<Ok<PredictResponse>, ProblemHttpResult>> PredictAsync(
        string model, HttpRequest request, ServingModels serving, TrafficLog traffic, IOptions<ModelOpsOptions> options,
        CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        if (!ModelName.TryParse(model, out var name, out var error))
        {
            return Problems.BadRequest(error);
        }
        var limits = options.Value;
        if (request.ContentLength > limits.MaxRequestBytes)
        {
            return Problems.TooLarge($"The request body is {request.ContentLength} bytes; at most {limits.MaxRequestBytes} are accepted.");
        }
        var body = await PredictRequest.ReadAsync(request, limits, cancellationToken);
        if (body.Problem is { } bad)
        {
            return bad;
        }
        if (await serving.GetProductionAsync(name, cancellationToken) is not { } served)
        {
            return Problems.NotFound($"Model '{name}' has no version in production.");
        }
        var unknown = served.Manifest.Config.Serving.UnknownFields == ServingConfig.Ignore ? [] : served.Scorer.UnknownFields(body.Rows!);
        if (unknown.Count > 0 && served.Manifest.Config.Serving.UnknownFields == ServingConfig.Reject)
        {
            return Problems.BadRequest($"Model '{name}' v{served.Manifest.Version} does not use {string.Join(", ", unknown.Select(f => $"'{f}'"))}; "
                + $"its features are {string.Join(", ", served.Manifest.Problem.Features)}.");
        }
        try
        {
            var predictions = served.Scorer.Score(body.Rows!, cancellationToken);
            var requestId = Guid.NewGuid().ToString("N");
            traffic.TryWriteRequest(name, served.Manifest.Version, requestId, body.Rows!, predictions, Stopwatch.GetElapsedTime(started));
            return TypedResults.Ok(new PredictResponse(name, served.Manifest.Version, requestId, predictions.Cast<object>().ToList(),
                unknown.Count > 0 ? unknown : null));
        }
        catch (ScoringInputException e)
        {
            return Problems.BadRequest(e.Message);
        }
    }

    /// <summary>
    /// Registers an ONNX model trained elsewhere: multipart/form-data with the graph as part <c>model</c>, reference data as
    /// part <c>data</c> (csv, jsonl or parquet), and optional fields <c>label</c>, <c>task</c>, <c>alias</c>, <c>features</c>.
    /// </summary>
    private static async Task<Results<Created<ImportResponse>, ProblemHttpResult>> ImportAsync(
        string model, HttpRequest request, ModelRegistry registry, DatasetCatalog datasets, CancellationToken cancellationToken)
    {
        if (!ModelName.TryParse(model, out var name, out var error))
        {
            return Problems.BadRequest(error);
        }
        const string usage = "Send multipart/form-data with the ONNX graph as part 'model' and reference data (csv, jsonl or parquet) "
            + "as part 'data'; optional fields: label, task, alias, features (comma-separated, for a matrix input).";
        if (!request.HasFormContentType)
        {
            return Problems.BadRequest(usage);
        }
        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(cancellationToken);
        }
        catch (InvalidDataException e)
        {
            return Problems.BadRequest($"The form cannot be read: {e.Message} {usage}");
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return Problems.TooLarge($"The upload is larger than the server accepts: {e.Message}");
        }
        if (form.Files["model"] is not { Length: > 0 } graph || form.Files["data"] is not { Length: > 0 } data)
        {
            return Problems.BadRequest(usage);
        }
        string? Field(string key) => form.TryGetValue(key, out var value) && !string.IsNullOrWhiteSpace(value) ? value.ToString().Trim() : null;
        var onnx = new byte[graph.Length];
        await using (var stream = graph.OpenReadStream())
        {
            await stream.ReadExactlyAsync(onnx, cancellationToken);
        }
        var importRequest = new OnnxImportRequest(name, data.FileName, Field("label"), Field("task"), Field("alias"),
            Field("features")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        try
        {
            await using var reference = data.OpenReadStream();
            var result = await new OnnxImport(registry, datasets).ImportAsync(importRequest, onnx, reference, cancellationToken);
            var manifest = result.Manifest;
            return TypedResults.Created($"/api/models/{name}", new ImportResponse(name, manifest.Version, manifest.Format,
                manifest.Problem.Task.ToString().ToLowerInvariant(), manifest.Problem.Label, manifest.Problem.Features, manifest.Metrics,
                result.ReferenceRows, importRequest.Alias, result.Alias?.Version, manifest.Onnx!));
        }
        catch (ModelImportException e)
        {
            return Problems.BadRequest(e.Message);
        }
        catch (AliasConflictException e)
        {
            return Problems.Conflict(e.Message);
        }
        catch (ArgumentException e)
        {
            return Problems.BadRequest(e.Message);
        }
    }

    private static async Task<Results<Ok<AliasTarget>, ProblemHttpResult>> SetAliasAsync(
        string model, string alias, AliasRequest? body, ModelRegistry registry, CancellationToken cancellationToken)
    {
        if (!ModelName.TryParse(model, out var name, out var error))
        {
            return Problems.BadRequest(error);
        }
        if (body is not { Version: > 0 })
        {
            return Problems.BadRequest("The body must name the version to point at, e.g. {\"version\": 3}.");
        }
        var current = await registry.GetAliasAsync(name, alias, cancellationToken);
        try
        {
            var target = await registry.SetAliasAsync(name, alias, body.Version, current?.ETag,
                body.Reason ?? $"set by hand over HTTP (was {(current is null ? "unset" : $"v{current.Version}")})", cancellationToken);
            return TypedResults.Ok(target);
        }
        catch (KeyNotFoundException e)
        {
            return Problems.NotFound(e.Message);
        }
        catch (ArgumentException e)
        {
            return Problems.BadRequest(e.Message);
        }
        catch (AliasConflictException e)
        {
            return Problems.Conflict(e.Message);
        }
    }

    /// <summary>Starts a durable bulk-scoring run over a blob; the predictions are written next to it.</summary>
    private static async Task<Results<Accepted<ManagementPayload>, ProblemHttpResult>> ScoreBlobAsync(
        string model, ScoreBlobRequest? body, HttpRequest request, ModelRegistry registry, PipelineClient pipelines,
        TimeProvider time, CancellationToken cancellationToken)
    {
        if (!ModelName.TryParse(model, out var name, out var error))
        {
            return Problems.BadRequest(error);
        }
        try
        {
            BlobPath.Parse(body?.Blob);
        }
        catch (ArgumentException e)
        {
            return Problems.BadRequest(e.Message + " The body is {\"blob\": \"container/path.csv\"}.");
        }
        if (await registry.GetAliasAsync(name, ModelRegistry.Production, cancellationToken) is null)
        {
            return Problems.NotFound($"Model '{name}' has no version in production.");
        }
        var runId = ScoreBlobPipeline.NewRunId(name, time.GetUtcNow());
        await pipelines.Durable.ScheduleNewOrchestrationInstanceAsync(ScoreBlobPipeline.Name, new ScoreBlobInput(name, body!.Blob), runId, cancellationToken);
        var payload = ManagementPayload.For(runId, request);
        return TypedResults.Accepted(payload.StatusQueryGetUri, payload);
    }

    /// <summary>Ground-truth labels for scored rows, by request id (and row, default 0).</summary>
    private static async Task<Results<Accepted<FeedbackAccepted>, ProblemHttpResult>> FeedbackAsync(
        string model, HttpRequest request, FeedbackStore feedback, CancellationToken cancellationToken)
    {
        if (!ModelName.TryParse(model, out var name, out var error))
        {
            return Problems.BadRequest(error);
        }
        List<FeedbackLabel>? labels;
        try
        {
            labels = await JsonSerializer.DeserializeAsync<List<FeedbackLabel>>(request.Body, Json.Options, cancellationToken);
        }
        catch (JsonException e)
        {
            return Problems.BadRequest($"The body must be a JSON array of {{\"requestId\", \"row\", \"label\"}}: {e.Message}");
        }
        try
        {
            var stored = await feedback.AddAsync(name, labels ?? [], cancellationToken);
            return TypedResults.Accepted((string?)null, new FeedbackAccepted(stored));
        }
        catch (FeedbackInputException e)
        {
            return e.TooMany ? Problems.TooLarge(e.Message) : Problems.BadRequest(e.Message);
        }
    }

    /// <summary>Runs a monitor tick of the model now and answers its report.</summary>
    private static async Task<Results<Ok<MonitoringReport>, ProblemHttpResult>> MonitorAsync(
        string model, ModelMonitor monitor, CancellationToken cancellationToken)
    {
        if (!ModelName.TryParse(model, out var name, out var error))
        {
            return Problems.BadRequest(error);
        }
        return await monitor.TickAsync(name, cancellationToken) is { } report
            ? TypedResults.Ok(report)
            : Problems.NotFound($"Model '{name}' has no version in production to monitor.");
    }

    /// <summary>The model's latest monitor reports, newest first.</summary>
    private static async Task<Results<Ok<IReadOnlyList<MonitoringReport>>, ProblemHttpResult>> MonitoringAsync(
        string model, int? top, int? days, MonitoringReports reports, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!ModelName.TryParse(model, out var name, out var error))
        {
            return Problems.BadRequest(error);
        }
        return TypedResults.Ok(await reports.LatestAsync(name, Math.Clamp(top ?? 20, 1, 500), time.GetUtcNow(), Math.Clamp(days ?? 7, 1, 90), cancellationToken));
    }

    private static async Task<ModelSummary?> SummaryAsync(ModelRegistry registry, ModelName name, CancellationToken cancellationToken)
    {
        var versions = await registry.ListVersionsAsync(name, cancellationToken);
        if (versions.Count == 0)
        {
            return null;
        }
        var aliases = await registry.GetAliasesAsync(name, cancellationToken);
        return new ModelSummary(
            name,
            versions[^1].Problem.Task.ToString().ToLowerInvariant(),
            aliases.ToDictionary(a => a.Key, a => a.Value.Version),
            versions.OrderByDescending(v => v.Version).Select(v => new VersionSummary(
                v.Version, v.CreatedTime, v.Metrics, v.RunId, v.Trainer, v.Parameters, v.Problem.Label, v.Problem.Features, v.Datasets, v.Format)).ToList());
    }

    internal sealed record ModelSummary(string Name, string Task, IReadOnlyDictionary<string, int> Aliases, IReadOnlyList<VersionSummary> Versions);

    internal sealed record VersionSummary(
        int Version,
        DateTimeOffset CreatedTime,
        IReadOnlyDictionary<string, double> Metrics,
        string RunId,
        string Trainer,
        IReadOnlyDictionary<string, double> Parameters,
        string Label,
        IReadOnlyList<string> Features,
        IReadOnlyList<DatasetBlob> Datasets,
        ModelFormat Format);

    /// <param name="UnknownFields">Fields the rows sent that the model does not use (left out when there are none).</param>
    internal sealed record PredictResponse(string Model, int Version, string RequestId, IReadOnlyList<object> Predictions, IReadOnlyList<string>? UnknownFields = null);

    internal sealed record AliasRequest(int Version, string? Reason);

    /// <param name="AliasVersion">The version the alias points at now (this one), when an alias was asked for.</param>
    internal sealed record ImportResponse(string Model, int Version, ModelFormat Format, string Task, string Label, IReadOnlyList<string> Features,
        IReadOnlyDictionary<string, double> Metrics, int ReferenceRows, string? Alias, int? AliasVersion, OnnxContract Onnx);

    internal sealed record ScoreBlobRequest(string Blob);

    internal sealed record FeedbackAccepted(int Stored);
}
