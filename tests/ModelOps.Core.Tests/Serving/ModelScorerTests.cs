using System.Text.Json;
using ModelOps.Core.Data;
using ModelOps.Core.Serving;
using ModelOps.Core.Storage;
using ModelOps.Core.Tests.Training;
using ModelOps.Core.Training;

namespace ModelOps.Core.Tests.Serving;

public sealed class ModelScorerTests
{
    [Fact]
    public void Binary_predictions_have_a_boolean_label_and_a_probability_in_0_1_that_tracks_the_signal()
    {
        var scorer = Scorer(SyntheticData.Binary(200), "lightgbm");

        var predictions = scorer.Score(
        [
            Row("""{"x1": 0.9, "x2": -0.9, "color": "red", "flag": true}"""),
            Row("""{"X1": "-0.9", "x2": "0.9", "COLOR": "blue", "flag": 0, "id": 17}"""),
        ]);

        var yes = Assert.IsType<BinaryPrediction>(predictions[0]);
        var no = Assert.IsType<BinaryPrediction>(predictions[1]);
        Assert.True(yes.Label);
        Assert.False(no.Label);
        Assert.InRange(yes.Probability, 0.5, 1);
        Assert.InRange(no.Probability, 0, 0.5);
        Assert.Matches("""^\{"label":true,"probability":[0-9.Ee-]+\}$""", JsonSerializer.Serialize(predictions[0], Json.Options));
    }

    [Fact]
    public void Multiclass_predictions_name_a_class_with_probabilities_over_every_class()
    {
        var scorer = Scorer(SyntheticData.Multiclass(240), "sdca");

        var predictions = scorer.Score([Row("""{"x1": 0.9, "x2": 0.0, "color": "green", "flag": false}"""), Row("""{"x1": -0.9, "x2": 0.8, "color": "purple", "flag": true}""")]);

        var first = Assert.IsType<MulticlassPrediction>(predictions[0]);
        Assert.Equal("a", first.Label);
        Assert.Equal(["a", "b", "c"], first.Probabilities.Keys);
        Assert.Equal(1, first.Probabilities.Values.Sum(), 5);
        Assert.Equal(first.Label, first.Probabilities.MaxBy(p => p.Value).Key);
        // An unseen category ("purple") is scored, not refused.
        Assert.Contains(((MulticlassPrediction)predictions[1]).Label, new[] { "a", "b", "c" });
        Assert.StartsWith("""{"label":"a","probabilities":{"a":""", JsonSerializer.Serialize<Prediction>(first, Json.Options));
    }

    [Fact]
    public void Regression_predictions_are_finite_values_close_to_the_truth()
    {
        var scorer = Scorer(SyntheticData.Regression(300), "lightgbm");

        var predictions = scorer.Score([Row("""{"x1": 0.5, "x2": -0.5, "color": "red", "flag": 1}""")]);

        var value = Assert.IsType<RegressionPrediction>(predictions[0]).Value;
        Assert.True(double.IsFinite(value));
        Assert.InRange(value, 5.5 - 1.0, 5.5 + 1.0); // truth: 3*0.5 - 2*(-0.5) + 2 (red) + 1 (flag) = 5.5
    }

    [Fact]
    public void Every_missing_or_mistyped_field_is_listed_in_one_error()
    {
        var scorer = Scorer(SyntheticData.Binary(100), "sdca");

        var error = Assert.Throws<ScoringInputException>(() => scorer.Score(
        [
            Row("""{"x1": "abc", "color": {"a": 1}, "flag": "maybe"}"""),
            Row("""{"x1": 1, "x2": null, "color": "red", "flag": true}"""),
        ]));

        Assert.Equal(
        [
            "row 0: 'x1' must be a number, got the string \"abc\"",
            "row 0: 'x2' is missing",
            "row 0: 'color' must be a string, got an object",
            "row 0: 'flag' must be true or false, got the string \"maybe\"",
            "row 1: 'x2' is missing",
        ], error.Errors);
        Assert.StartsWith("The input has 5 problems: row 0: 'x1' must be a number", error.Message);
        Assert.IsAssignableFrom<ArgumentException>(error);
    }

    [Fact]
    public void Concurrent_batches_get_the_same_predictions_as_one_at_a_time()
    {
        var table = SyntheticData.Binary(200);
        var scorer = Scorer(table, "fasttree");
        var rows = Enumerable.Range(0, 40).Select(i => Row(
            $$"""{"x1": {{table.Numeric("x1")[i]}}, "x2": {{table.Numeric("x2")[i]}}, "color": "{{table.Categorical("color")[i]}}", "flag": {{table.Numeric("flag")[i]}}}""")).ToArray();
        var expected = scorer.Score(rows);

        var results = new IReadOnlyList<Prediction>[16];
        Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => results[i] = scorer.Score(rows));

        Assert.All(results, r => Assert.Equal(expected, r));
    }

    [Fact]
    public void A_scorer_loads_from_model_zip_with_the_problem_and_schema()
    {
        var table = SyntheticData.Multiclass(150);
        var problem = TrainingProblem.Infer(table, null, null, null, []);
        using var zip = new MemoryStream();
        ModelTrainer.Fit(table, problem, TrainerCatalogTests.Small("lightgbm")).Save(zip);

        var scorer = ModelScorer.Load(new MemoryStream(zip.ToArray()), problem, table.Schema);

        Assert.Equal(["x1", "x2", "color", "flag"], scorer.FeatureSchema.Columns.Select(c => c.Name));
        Assert.Empty(scorer.Score([]));
        Assert.IsType<MulticlassPrediction>(scorer.Score([Row("""{"x1": 0.1, "x2": 0.2, "color": "red", "flag": true}""")])[0]);
    }

    [Fact]
    public void Missing_or_null_features_take_the_training_fill_values_when_the_cleaning_plan_is_known()
    {
        var table = SyntheticData.Regression(300);
        var problem = TrainingProblem.Infer(table, null, null, null, []);
        var model = ModelTrainer.Fit(table, problem, TrainerCatalogTests.Small("lightgbm"));
        var plan = Cleaner.Clean(table, problem.Label).Report;
        var withPlan = new ModelScorer(model, plan);
        var without = new ModelScorer(model);
        var filled = Row(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["x1"] = plan.Imputations.Single(i => i.Column == "x1").Number!.Value,
            ["x2"] = -0.5,
            ["color"] = plan.Imputations.Single(i => i.Column == "color").Category!,
            ["flag"] = plan.Imputations.Single(i => i.Column == "flag").Number!.Value,
        }));

        var predictions = withPlan.Score([Row("""{"x1": null, "x2": -0.5}"""), filled]);

        Assert.Equal(((RegressionPrediction)predictions[1]).Value, ((RegressionPrediction)predictions[0]).Value, 6);
        var error = Assert.Throws<ScoringInputException>(() => without.Score([Row("""{"x1": null, "x2": -0.5}""")]));
        Assert.Equal(3, error.Errors.Count);
    }

    [Fact]
    public void Values_beyond_the_range_training_clipped_to_are_clipped_the_same_way()
    {
        var table = SyntheticData.Regression(300);
        var problem = TrainingProblem.Infer(table, null, null, null, []);
        var model = ModelTrainer.Fit(table, problem, TrainerCatalogTests.Small("sdca"));
        var plan = Cleaner.Clean(table, problem.Label, new CleaningOptions { Outliers = OutlierMethod.Quantile }).Report;
        var upper = plan.Clips!.Single(c => c.Column == "x1").Upper;
        var scorer = new ModelScorer(model, plan);

        var predictions = scorer.Score([
            Row("""{"x1": 1e9, "x2": 0.1, "color": "red", "flag": 1}"""),
            Row(JsonSerializer.Serialize(new { x1 = upper, x2 = 0.1, color = "red", flag = 1 }))]);

        Assert.Equal(((RegressionPrediction)predictions[1]).Value, ((RegressionPrediction)predictions[0]).Value, 6);
    }

    [Theory]
    [InlineData("lightgbm", "binary")]
    [InlineData("fasttree", "regression")]
    [InlineData("sdca", "multiclass")]
    public void Rows_scored_one_by_one_match_the_same_rows_scored_as_one_batch(string trainer, string task)
    {
        var table = task switch
        {
            "binary" => SyntheticData.Binary(300),
            "regression" => SyntheticData.Regression(300),
            _ => SyntheticData.Multiclass(300),
        };
        var scorer = Scorer(table, trainer);
        var rows = table.SelectRows(Enumerable.Range(0, 100).ToArray());

        var batch = scorer.Score(rows); // over the row-path limit: one data view
        var single = Enumerable.Range(0, 100).SelectMany(r => scorer.Score(rows.SelectRows([r]))).ToList();

        Assert.Equal(
            batch.Select(p => JsonSerializer.Serialize(p, Json.Options)),
            single.Select(p => JsonSerializer.Serialize(p, Json.Options)));
    }

    private static ModelScorer Scorer(Table table, string trainer)
    {
        var problem = TrainingProblem.Infer(table, null, null, null, []);
        return new ModelScorer(ModelTrainer.Fit(table, problem, TrainerCatalogTests.Small(trainer)));
    }

    private static IReadOnlyDictionary<string, JsonElement> Row(string json) =>
        JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json)!;
}
