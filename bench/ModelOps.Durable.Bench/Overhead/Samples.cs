namespace ModelOps.Durable.Bench.Overhead;

/// <summary>
/// One engine run of the chain. A step is the time from one activity's start to the next one's, split into: the activity
/// body, deliver + replay (body end to the engine's "Replayed" log) and persist + dispatch (that log to the next body start:
/// history append, row update, hand-off to an activity slot).
/// </summary>
internal sealed record ChainSample(
    double TotalMs,
    double DirectPerActivityMs,
    IReadOnlyList<double> StepMs,
    IReadOnlyList<double> BodyMs,
    IReadOnlyList<double> ReplayMs,
    IReadOnlyList<double> PersistDispatchMs,
    double StartToFirstActivityMs,
    double LastActivityToCompletedMs,
    IReadOnlyList<StorageCall> StorageCalls);

/// <summary>
/// One engine run of the fan-out: scheduling (start to the first activity body; the first replay persists every
/// TaskScheduled), execution (first body start to last body end) and drain (last body end to completion seen by the client).
/// </summary>
internal sealed record FanOutSample(
    double TotalMs,
    double DirectMs,
    double ScheduleMs,
    double ExecuteMs,
    double DrainMs,
    int Replays,
    int LargestReplayedHistory,
    IReadOnlyList<StorageCall> StorageCalls);
