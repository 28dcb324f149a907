using ModelOps.Local.Commands;

// `modelops serve` hosts the pipeline; `modelops demo` runs the whole loop end to end on a sample dataset.
return args.FirstOrDefault() switch
{
    "serve" => await ServeCommand.RunAsync(args[1..]),
    "demo" => await DemoCommand.RunAsync(args[1..]),
    "runs" or "models" or "predict" or "retrain" or "approve" or "reject" => await ClientCommands.RunAsync(args[0], args[1..], Console.Out),
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

        commands that talk to a running host (--url, default http://127.0.0.1:7071 or MODELOPS_URL; --key or ModelOps__ApiKey):
          runs [model]                 the latest runs, their status, step and outcome
          models                       registered models, aliases and metrics
          models import <model> --onnx model.onnx --data reference.csv [--label c] [--task t] [--alias production] [--features a,b]
                                       register an ONNX model trained elsewhere, checked and profiled on the reference data
          predict <model> [json]       score a row or {"rows": [...]} (json from stdin when not given)
          retrain <model>              start a retrain (one per model at a time)
          approve|reject <run id>      raise the approve/reject event into a run
        """);
    return code;
}
