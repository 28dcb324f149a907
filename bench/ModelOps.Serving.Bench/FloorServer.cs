using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ModelOps.Serving.Bench;

/// <summary>
/// The floor under the HTTP figures: a minimal Kestrel app in a process of its own, with the host's GC, that reads a
/// predict body and answers a constant of the predict response's shape: no JSON parse, model, validation or traffic log.
/// The same open loop against it shows what loopback HTTP, the load generator and the machine's scheduling cost alone.
/// </summary>
internal sealed class FloorServer : IAsyncDisposable
{
    public const string Command = "floor-server";

    /// <summary>The host's predict route for the bench's model, which the floor answers too.</summary>
    public const string PredictPath = "/api/models/churn/predict";

    private static readonly byte[] Answer =
        """{"model":"churn","version":1,"requestId":"0HN8FLOOR0000000000000000000000","predictions":[{"label":true,"probability":0.6283}]}"""u8.ToArray();

    private readonly Process _process;

    private FloorServer(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    /// <summary>Starts this program as the floor server and waits for its address.</summary>
    public static async Task<FloorServer> StartAsync()
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, UseShellExecute = false };
        info.ArgumentList.Add(typeof(FloorServer).Assembly.Location);
        info.ArgumentList.Add(Command);
        info.Environment["DOTNET_gcServer"] = "1"; // as the host runs
        var process = Process.Start(info) ?? throw new InvalidOperationException("The floor server did not start.");
        var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
        if (!Uri.TryCreate(line, UriKind.Absolute, out var address))
        {
            process.Kill();
            throw new InvalidOperationException($"The floor server said '{line}' instead of its address.");
        }
        return new FloorServer(process, address);
    }

    /// <summary>The server itself: prints its address, then serves until killed.</summary>
    public static async Task<int> RunAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var app = builder.Build();
        app.MapPost(PredictPath, async context =>
        {
            var body = context.Request.BodyReader;
            while (true)
            {
                var read = await body.ReadAsync();
                body.AdvanceTo(read.Buffer.End);
                if (read.IsCompleted)
                {
                    break;
                }
            }
            context.Response.ContentType = "application/json";
            await context.Response.Body.WriteAsync(Answer);
        });
        await app.StartAsync();
        Console.WriteLine(app.Urls.First());
        await app.WaitForShutdownAsync();
        return 0;
    }

    public async ValueTask DisposeAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
