using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ModelOps.Durable;

/// <summary>Runs a <see cref="DurableEngine"/> for the lifetime of a generic host.</summary>
public sealed class DurableEngineHostedService(DurableEngine engine) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => engine.StartAsync(cancellationToken);
    public Task StopAsync(CancellationToken cancellationToken) => engine.StopAsync(cancellationToken);
}

/// <summary>Registers the durable engine, its client and its hosted service.</summary>
public static class DurableServiceCollectionExtensions
{
    /// <summary>
    /// Adds a singleton <see cref="DurableEngine"/> and <see cref="DurableClient"/>, validates <see cref="DurableEngineOptions"/> on start,
    /// and starts/stops the engine with the host. <paramref name="register"/> fills the registry (it may resolve services).
    /// </summary>
    public static IServiceCollection AddDurableEngine(this IServiceCollection services, Action<DurableEngineOptions> configure,
        Action<IServiceProvider, DurableRegistry> register)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        ArgumentNullException.ThrowIfNull(register);
        services.AddOptions<DurableEngineOptions>().Configure(configure).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DurableEngineOptions>, DurableEngineOptionsValidator>();
        services.AddSingleton(sp =>
        {
            var registry = new DurableRegistry();
            register(sp, registry);
            return new DurableEngine(sp.GetRequiredService<IOptions<DurableEngineOptions>>().Value, registry, sp.GetService<ILoggerFactory>());
        });
        services.AddSingleton(sp => sp.GetRequiredService<DurableEngine>().Client);
        services.AddHostedService<DurableEngineHostedService>();
        return services;
    }
}
