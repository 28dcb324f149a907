using System.Net;
using Azure.Storage.Blobs;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using ModelOps.Core.Pipelines;
using ModelOps.Core.Pipelines.Activities;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ModelOps.Core.Monitoring;
using ModelOps.Core.Registry;
using ModelOps.Core.Serving.Traffic;
using ModelOps.Core.Serving;
using ModelOps.Core.Storage;
using ModelOps.Durable;
using ModelOps.Local.Api;
using ModelOps.Local.Engine;
using ModelOps.Local.Monitoring;
using ModelOps.Local.Storage;
using ModelOps.Local.Watching;

namespace ModelOps.Local.Hosting;

/// <summary>
/// The local host: what Azure Functions hosts in the cloud (blob trigger, HTTP API, durable engine), on Kestrel,
/// against Azurite or any storage account.
/// </summary>
public sealed class LocalHost : IAsyncDisposable
{
    public const string DefaultUrls = "http://127.0.0.1:7071";

    private readonly WebApplication _app;
    private readonly Azurite? _azurite;

    private LocalHost(WebApplication app, Azurite? azurite, Uri baseAddress, string storage)
    {
        _app = app;
        _azurite = azurite;
        BaseAddress = baseAddress;
        StorageConnectionString = storage;
    }

    /// <summary>Where the HTTP API listens.</summary>
    public Uri BaseAddress { get; }

    public string StorageConnectionString { get; }

    /// <summary>True when this host started its own Azurite.</summary>
    public bool OwnsAzurite => _azurite is not null;

    public IServiceProvider Services => _app.Services;

    /// <summary>Builds and starts the host. Storage comes from AzureWebJobsStorage or ConnectionStrings:Storage, else a new Azurite.</summary>
    public static async Task<LocalHost> StartAsync(string[] args, Action<WebApplicationBuilder>? configure = null,
        CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; });
        configure?.Invoke(builder);

        var storage = builder.Configuration["AzureWebJobsStorage"] ?? builder.Configuration.GetConnectionString("Storage");
        Azurite? azurite = null;
        if (string.IsNullOrWhiteSpace(storage))
        {
            var location = builder.Configuration["ModelOps:AzuriteLocation"] ?? Path.Combine(Environment.CurrentDirectory, ".azurite");
            azurite = await Azurite.StartAsync(location, cancellationToken: cancellationToken);
            storage = azurite.ConnectionString();
        }
        try
        {
            var urls = builder.Configuration["urls"] ?? builder.Configuration["ASPNETCORE_URLS"] ?? DefaultUrls;
            builder.WebHost.UseUrls(urls.Split(';', StringSplitOptions.RemoveEmptyEntries));
            builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = null);
            ConfigureServices(builder, storage);

            var app = builder.Build();
            var options = app.Services.GetRequiredService<IOptions<ModelOpsOptions>>().Value;
            RequireKeyOffLoopback(options, urls);
            await EnsureContainersAsync(app.Services.GetRequiredService<BlobServiceClient>(), cancellationToken);
            MapApis(app);
            await app.StartAsync(cancellationToken);

            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("ModelOps.Local");
            if (options.ApiKey is null)
            {
                logger.LogWarning("No API key is configured (ModelOps:ApiKey), so the API is served on loopback only: {Address}", address);
            }
            return new LocalHost(app, azurite, new Uri(address), storage);
        }
        catch
        {
            if (azurite is not null)
            {
                await azurite.DisposeAsync();
            }
            throw;
        }
    }

    private static void ConfigureServices(WebApplicationBuilder builder, string storage)
    {
        var services = builder.Services;
        services.AddOptions<ModelOpsOptions>().Bind(builder.Configuration.GetSection(ModelOpsOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddProblemDetails();
        services.ConfigureHttpJsonOptions(o =>
        {
            foreach (var converter in Json.Options.Converters)
            {
                o.SerializerOptions.Converters.Add(converter);
            }
            o.SerializerOptions.DefaultIgnoreCondition = Json.Options.DefaultIgnoreCondition;
            o.SerializerOptions.NumberHandling = Json.Options.NumberHandling;
        });

        services.TryAddSingleton(TimeProvider.System); // tests may bring their own clock
        services.AddSingleton(sp => new TrafficLog(sp.GetRequiredService<BlobServiceClient>(),
            builder.Configuration.GetSection("ModelOps:Traffic").Get<TrafficLogOptions>() ?? new TrafficLogOptions(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<TrafficLog>>()));
        services.AddSingleton(sp => new TrafficReader(sp.GetRequiredService<BlobServiceClient>(), sp.GetRequiredService<ILogger<TrafficReader>>(),
            sp.GetRequiredService<IOptions<ModelOpsOptions>>().Value.KeptWindowBytes));
        services.AddSingleton(sp => new FeedbackStore(sp.GetRequiredService<BlobServiceClient>(), sp.GetRequiredService<TimeProvider>(),
            reader: sp.GetRequiredService<TrafficReader>()));
        services.AddSingleton<MonitoringReports>();
        services.AddSingleton<IRetrainStarter>(sp => sp.GetRequiredService<PipelineClient>());
        services.AddSingleton<ModelMonitor>();
        services.AddSingleton(new BlobServiceClient(storage));
        services.AddSingleton<DatasetCatalog>();
        services.AddSingleton<ModelRegistry>();
        services.AddSingleton(sp => new ServingModels(sp.GetRequiredService<ModelRegistry>(), sp.GetRequiredService<TimeProvider>())
        {
            AliasRefreshInterval = sp.GetRequiredService<IOptions<ModelOpsOptions>>().Value.AliasRefreshInterval,
        });
        services.AddSingleton<RunStore>();

        services.AddSingleton<ActivityJournal>();
        services.AddSingleton<DatasetQuarantine>();
        services.AddSingleton<PipelineClient>();
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<ModelOpsOptions>>().Value;
            var registry = new DurableRegistry();
            registry.AddModelOpsPipelines(sp);
            return new DurableEngine(new DurableEngineOptions
            {
                StorageConnectionString = storage,
                MaxConcurrentActivities = options.MaxConcurrentActivities,
                TimeProvider = sp.GetRequiredService<TimeProvider>(),
                JsonSerializerOptions = Json.Options,
            }, registry, sp.GetRequiredService<ILoggerFactory>());
        });
        services.AddHostedService(sp => new DurableEngineHostedService(sp.GetRequiredService<DurableEngine>()));
        services.AddHostedService<DatasetWatcher>();
        services.AddHostedService<TrafficLogService>();
        services.AddHostedService<MonitorTimer>();
    }

    private static void MapApis(WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapHealthApi();
        var api = app.MapGroup("").AddEndpointFilter<ApiKeyFilter>();
        api.MapRunsApi();
        api.MapModelsApi();
    }

    private static void RequireKeyOffLoopback(ModelOpsOptions options, string urls)
    {
        if (options.ApiKey is not null)
        {
            return;
        }
        foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var host = new Uri(url.Replace("*", "0.0.0.0").Replace("+", "0.0.0.0")).Host;
            if (host != "localhost" && !(IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip)))
            {
                throw new InvalidOperationException(
                    $"Refusing to serve {url} without an API key: set ModelOps:ApiKey (env ModelOps__ApiKey), or listen on 127.0.0.1.");
            }
        }
    }

    private static async Task EnsureContainersAsync(BlobServiceClient blobs, CancellationToken cancellationToken)
    {
        foreach (var name in StorageLayout.Containers)
        {
            await blobs.GetBlobContainerClient(name).CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        }
    }

    /// <summary>Blocks until the host is asked to stop (Ctrl+C, SIGTERM).</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        if (_azurite is not null)
        {
            await _azurite.DisposeAsync();
        }
    }
}
