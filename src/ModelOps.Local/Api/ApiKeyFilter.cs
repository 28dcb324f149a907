using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using ModelOps.Local.Hosting;

namespace ModelOps.Local.Api;

/// <summary>Requires the configured API key, as a Functions key would be: <c>x-functions-key</c> header or <c>code</c> query.</summary>
internal sealed class ApiKeyFilter(IOptions<ModelOpsOptions> options) : IEndpointFilter
{
    private readonly byte[]? _key = options.Value.ApiKey is { Length: > 0 } key ? Encoding.UTF8.GetBytes(key) : null;

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (_key is null)
        {
            return await next(context);
        }
        var request = context.HttpContext.Request;
        var given = request.Headers["x-functions-key"].FirstOrDefault() ?? request.Query["code"].FirstOrDefault();
        if (given is null || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), _key))
        {
            return Problems.Problem(StatusCodes.Status401Unauthorized, "Unauthorized",
                "This route needs the API key in the x-functions-key header or the code query parameter.");
        }
        return await next(context);
    }
}
