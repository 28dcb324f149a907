namespace ModelOps.Core.Training;

/// <summary>
/// Proposes the next trials. A pure function of (space, seed, previous results), so an orchestrator can call it
/// in an activity, or even replay it, and always get the same proposals.
/// </summary>
internal interface ISearchStrategy
{
    /// <param name="count">How many trials to propose; fewer come back when the strategy has run out (a finished grid).</param>
    /// <param name="previous">Every result so far, in trial order; trial numbers continue from its count.</param>
    IReadOnlyList<TrialParameters> Propose(SearchSpace space, int count, int seed, IReadOnlyList<TrialResult> previous);
}

/// <summary>The search strategies a model config can name.</summary>
internal static class SearchStrategies
{
    public const string Random = "random";
    public const string Grid = "grid";

    /// <exception cref="TrainingProblemException">The name is not a known strategy.</exception>
    public static ISearchStrategy Create(string? name) => (name?.Trim().ToLowerInvariant() ?? Random) switch
    {
        "" or Random => new RandomSearch(),
        Grid => new GridSearch(),
        _ => throw new TrainingProblemException($"Unknown search strategy '{name}'; choose from {Random}, {Grid}."),
    };
}

/// <summary>Uniform sampling (log-uniform for log-scale ranges), trainers taken in turn so each gets its share.</summary>
internal sealed class RandomSearch : ISearchStrategy
{
    public IReadOnlyList<TrialParameters> Propose(SearchSpace space, int count, int seed, IReadOnlyList<TrialResult> previous)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(previous);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (space.Trainers.Count == 0)
        {
            throw new TrainingProblemException("The search space has no trainers.");
        }
        var proposals = new TrialParameters[count];
        for (var i = 0; i < count; i++)
        {
            // Each trial's values depend only on (seed, trial number): rounds and replays propose the same points.
            var trial = previous.Count + i;
            var trainer = space.Trainers[trial % space.Trainers.Count];
            var random = new SplitMix64(seed, trial);
            proposals[i] = new TrialParameters(
                trainer.Trainer,
                trainer.Parameters.ToDictionary(p => p.Name, p => p.At(random.NextDouble())));
        }
        return proposals;
    }
}

/// <summary>An even grid of <see cref="Levels"/> points per hyperparameter, trainers interleaved; the seed is not used.</summary>
internal sealed class GridSearch(int levels = 3) : ISearchStrategy
{
    public int Levels { get; } = levels >= 2 ? levels : throw new ArgumentOutOfRangeException(nameof(levels), "A grid needs at least two levels.");

    public IReadOnlyList<TrialParameters> Propose(SearchSpace space, int count, int seed, IReadOnlyList<TrialResult> previous)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(previous);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var grids = space.Trainers.Select(Grid).ToArray();
        var all = new List<TrialParameters>();
        for (var point = 0; point < grids.Max(g => g.Count); point++)
        {
            all.AddRange(grids.Where(g => point < g.Count).Select(g => g[point]));
        }
        return all.Skip(previous.Count).Take(count).ToArray();
    }

    private List<TrialParameters> Grid(TrainerSpace trainer)
    {
        var points = new List<Dictionary<string, double>> { new() };
        foreach (var parameter in trainer.Parameters)
        {
            var values = Enumerable.Range(0, Levels).Select(l => parameter.At(l / (double)(Levels - 1))).Distinct().ToArray();
            points = points.SelectMany(p => values.Select(v => new Dictionary<string, double>(p) { [parameter.Name] = v })).ToList();
        }
        return points.Select(p => new TrialParameters(trainer.Trainer, p)).ToList();
    }
}

/// <summary>A tiny, stable generator: the same (seed, stream) gives the same numbers on every runtime.</summary>
internal struct SplitMix64(int seed, int stream)
{
    private ulong _state = ((ulong)(uint)seed << 32) ^ (uint)stream ^ 0x9E3779B97F4A7C15UL;

    public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));

    private ulong Next()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
