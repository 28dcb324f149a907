using ModelOps.Durable.Bench;
using ModelOps.Durable.Bench.Overhead;
using ModelOps.Durable.Bench.Soak;

// Modes: overhead (benchmark), soak (crash-safety driver), soak-host (the child the driver kills). See bench/README.md.
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};
try
{
    var rest = CommandArgs.Parse(args.Skip(1).ToList());
    return args.FirstOrDefault() switch
    {
        "overhead" => await OverheadCommand.RunAsync(rest, cancel.Token),
        "soak" => await SoakCommand.RunAsync(rest, cancel.Token),
        "soak-host" => await SoakHost.RunAsync(rest, cancel.Token),
        _ => Usage(),
    };
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    return Usage();
}

static int Usage()
{
    Console.Error.WriteLine("""
        usage:
          overhead [--quick] [--chain 50] [--chain-runs 5] [--fanout 1000] [--fanout-runs 3] [--fanout-work-ms 1] [--storage-samples 200] [--max-activities N]
          soak [--instances 100] [--kills 30] [--seed 1] [--time-limit 600] [--min-delay-ms 100] [--max-delay-ms 1500] [--work-ms 50] [--keep]
          soak-host --connection-string CS --journal PATH [--hub soak] [--instances 100] [--work-ms 50]
        """);
    return 2;
}
