using ModelOps.Local.Commands;

// `modelops serve` hosts the pipeline; `modelops demo` runs the whole loop end to end on a sample dataset.
return args.FirstOrDefault() switch
{
    "serve" => await ServeCommand.RunAsync(args[1..]),
    "demo" => await DemoCommand.RunAsync(args[1..]),
    null or "help" or "--help" or "-h" => Usage(0),
    var other => Usage(2, $"Unknown command '{other}'."),
};

static int Usage(int code, string? error = null)
{
    var output = code == 0 ? Console.Out : Console.Error;
    if (error is not null)
    {
        output.WriteLine(error);
    }
    output.WriteLine("""
        usage: modelops <command> [options]

        commands:
          serve   host the pipeline: dataset watcher, durable engine and HTTP API
                  --urls http://127.0.0.1:7071   where to listen
                  storage: AzureWebJobsStorage or ConnectionStrings__Storage; without either, Azurite is started in ./.azurite
          demo    drop the sample dataset, follow the run to a deployed model, and score a few rows over HTTP
        """);
    return code;
}
