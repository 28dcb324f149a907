using System.Text.Json;
using ModelOps.Core.Storage;
using ModelOps.Core.Training;

namespace ModelOps.Core.Tests.Training;

public sealed class SearchStrategyTests
{
    private static readonly SearchSpace Space = TrainerCatalog.Space();

    [Fact]
    public void Random_search_proposes_the_same_trials_for_the_same_seed_and_others_for_another()
    {
        var first = new RandomSearch().Propose(Space, 12, seed: 7, []);
        var again = new RandomSearch().Propose(Space, 12, seed: 7, []);
        var other = new RandomSearch().Propose(Space, 12, seed: 8, []);

        Assert.Equal(Describe(first), Describe(again));
        Assert.NotEqual(Describe(first), Describe(other));
    }

    [Fact]
    public void Random_search_stays_within_ranges_rounds_integers_and_takes_trainers_in_turn()
    {
        var proposals = new RandomSearch().Propose(Space, 60, seed: 3, []);

        Assert.Equal(20, proposals.Count(p => p.Trainer == "lightgbm"));
        Assert.Equal(20, proposals.Count(p => p.Trainer == "sdca"));
        foreach (var proposal in proposals)
        {
            var space = Space.Trainers.Single(t => t.Trainer == proposal.Trainer);
            Assert.Equal(space.Parameters.Select(p => p.Name).Order(), proposal.Values.Keys.Order());
            foreach (var range in space.Parameters)
            {
                Assert.True(range.Contains(proposal.Values[range.Name]), $"{proposal}: {range.Name} outside {range.Min}..{range.Max}");
            }
        }
        // Log-uniform: about half the learning rates fall below the geometric middle (~0.055), far more than a uniform draw would put there.
        var rates = proposals.Where(p => p.Trainer != "sdca").Select(p => p.Values["learningRate"]).ToArray();
        Assert.InRange(rates.Count(r => r < Math.Sqrt(0.01 * 0.3)) / (double)rates.Length, 0.25, 0.75);
    }

    [Fact]
    public void A_later_round_continues_the_sequence_instead_of_repeating_it()
    {
        var all = new RandomSearch().Propose(Space, 6, seed: 5, []);
        var firstRound = new RandomSearch().Propose(Space, 3, seed: 5, []);
        var previous = firstRound.Select((p, i) => new TrialResult(i, p, 0.5, new Dictionary<string, double>(), null, 1)).ToArray();

        var secondRound = new RandomSearch().Propose(Space, 3, seed: 5, previous);

        Assert.Equal(Describe(all), Describe([.. firstRound, .. secondRound]));
    }

    [Fact]
    public void Grid_search_walks_every_point_once_then_runs_out()
    {
        var space = TrainerCatalog.Space(["sdca"]);
        var grid = new GridSearch(levels: 2);

        var proposals = grid.Propose(space, 100, seed: 0, []);

        Assert.Equal(8, proposals.Count); // 2 levels ^ 3 hyperparameters
        Assert.Equal(8, Describe(proposals).Distinct().Count());
        Assert.Contains(proposals, p => p.Values["l2Regularization"] == 1e-4 && p.Values["maximumNumberOfIterations"] == 100);
        var rest = grid.Propose(space, 100, 0, proposals.Select((p, i) => new TrialResult(i, p, null, new Dictionary<string, double>(), "x", 0)).ToArray());
        Assert.Empty(rest);
    }

    [Fact]
    public void Strategies_are_chosen_by_name_and_an_unknown_name_is_refused()
    {
        Assert.IsType<RandomSearch>(SearchStrategies.Create(null));
        Assert.IsType<GridSearch>(SearchStrategies.Create("Grid"));
        Assert.Contains("choose from random, grid", Assert.Throws<TrainingProblemException>(() => SearchStrategies.Create("bayes")).Message);
    }

    [Fact]
    public void Trial_records_round_trip_through_the_shared_json_options()
    {
        var result = new TrialResult(3, new TrialParameters("lightgbm", new Dictionary<string, double> { ["learningRate"] = 0.1 }),
            0.9, new Dictionary<string, double> { ["auc"] = 0.9 }, null, 1.25);

        var back = JsonSerializer.Deserialize<TrialResult>(JsonSerializer.Serialize(result, Json.Options), Json.Options)!;

        Assert.Equal((3, "lightgbm", 0.1, 0.9, 0.9), (back.Trial, back.Parameters.Trainer, back.Parameters.Values["learningRate"], back.Score, back.Metrics["auc"]));
    }

    private static string[] Describe(IEnumerable<TrialParameters> proposals) => proposals.Select(p => p.ToString()).ToArray();
}
