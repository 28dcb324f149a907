using ModelOps.Core.Pipelines;
using ModelOps.Core.Training;

namespace ModelOps.Core.Tests.Pipelines;

public sealed class ModelConfigTests
{
    [Fact]
    public void A_config_with_comments_and_trailing_commas_parses_and_keeps_defaults_for_what_it_leaves_out()
    {
        var config = ModelConfig.Parse("""
            // churn model
            { "label": "churned", "search": { "trials": 5, }, }
            """u8);

        Assert.Equal("churned", config.Label);
        Assert.Equal(5, config.Search.Trials);
        Assert.Equal(3, config.Search.Folds);
        Assert.Equal("random", config.Search.Strategy);
    }

    [Fact]
    public void Read_options_and_the_seed_come_from_the_config()
    {
        var config = ModelConfig.Parse("""{ "search": { "seed": 7 }, "data": { "read": { "hasHeader": false, "delimiter": ";" } } }"""u8);

        Assert.Equal(7, config.Search.Seed);
        var read = config.Data.ReadOptions(null);
        Assert.False(read.HasHeader);
        Assert.Equal(';', read.Delimiter);
        Assert.Equal(ModelContext.Seed, ModelConfig.Parse("{}"u8).Search.Seed);
        Assert.Null(ModelConfig.Parse("{}"u8).Data.ReadOptions(null).HasHeader); // detected
    }

    [Fact]
    public void Every_problem_in_a_config_is_named_in_one_message()
    {
        var error = Assert.Throws<InvalidModelConfigException>(() => ModelConfig.Parse(
            """{ "task": "ranking", "search": { "trials": 0, "folds": 1, "strategy": "magic" } }"""u8));

        Assert.Contains("task 'ranking'", error.Message);
        Assert.Contains("search.trials 0", error.Message);
        Assert.Contains("search.folds 1", error.Message);
        Assert.Contains("search.strategy 'magic'", error.Message);
    }

    [Fact]
    public void The_readme_example_config_and_the_demo_config_are_valid()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(root.FullName, "README.md")))
        {
            root = root.Parent!;
        }
        var readme = File.ReadAllText(Path.Combine(root.FullName, "README.md"));
        var start = readme.IndexOf("```json", readme.IndexOf("### Model config", StringComparison.Ordinal), StringComparison.Ordinal) + "```json".Length;
        var example = readme[start..readme.IndexOf("```", start, StringComparison.Ordinal)];

        var config = ModelConfig.Parse(System.Text.Encoding.UTF8.GetBytes(example));
        ModelConfig.Parse(File.ReadAllBytes(Path.Combine(root.FullName, "samples", "churn", "modelops.json")));

        var dataDoc = File.ReadAllText(Path.Combine(root.FullName, "docs", "data.md"));
        var dataStart = dataDoc.IndexOf("```json", dataDoc.IndexOf("## In the model config", StringComparison.Ordinal), StringComparison.Ordinal) + "```json".Length;
        var data = ModelConfig.Parse(System.Text.Encoding.UTF8.GetBytes(dataDoc[dataStart..dataDoc.IndexOf("```", dataStart, StringComparison.Ordinal)]));

        Assert.Equal("churned", config.Label);
        Assert.Equal(ModelOps.Core.Data.OutlierMethod.Iqr, config.Data.Cleaning.Outliers);
        Assert.Equal(ModelOps.Core.Data.AnomalySeverity.Error, data.Data.Validation.Severities["drift"]);
        Assert.Equal(32768, data.Data.Read.MaxFieldLength);
        Assert.Equal(3, config.Monitor.DailyRetrainBudget);
        Assert.Equal(2, config.Monitor.FeedbackWeight);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-2")]
    [InlineData("1000.5")]
    public void A_feedback_weight_outside_zero_to_a_thousand_is_refused(string weight)
    {
        var error = Assert.Throws<InvalidModelConfigException>(() => ModelConfig.Parse(
            System.Text.Encoding.UTF8.GetBytes($$"""{ "monitor": { "feedbackWeight": {{weight}} } }""")));

        Assert.Contains("monitor.feedbackWeight", error.Message);
    }

    [Fact]
    public void A_window_bound_below_a_thousand_rows_or_the_minimum_is_refused_and_defaults_to_a_million()
    {
        Assert.Equal(1_000_000, ModelConfig.Parse("{}"u8).Monitor.MaxWindowRows);
        Assert.Contains("monitor.maxWindowRows", Assert.Throws<InvalidModelConfigException>(
            () => ModelConfig.Parse("""{ "monitor": { "maxWindowRows": 999 } }"""u8)).Message);
        Assert.Contains("monitor.maxWindowRows", Assert.Throws<InvalidModelConfigException>(
            () => ModelConfig.Parse("""{ "monitor": { "maxWindowRows": 5000, "minRows": 6000 } }"""u8)).Message);
    }

    [Fact]
    public void Feedback_rows_count_once_unless_the_config_weighs_them()
    {
        Assert.Equal(1, ModelConfig.Parse("{}"u8).Monitor.FeedbackWeight);
        Assert.Equal(5, ModelConfig.Parse("""{ "monitor": { "feedbackWeight": 5 } }"""u8).Monitor.FeedbackWeight);
    }

    [Fact]
    public void Invalid_json_says_so()
    {
        var error = Assert.Throws<InvalidModelConfigException>(() => ModelConfig.Parse("{ label: "u8));

        Assert.Contains("not valid JSON", error.Message);
    }

    [Fact]
    public void Gates_the_config_sets_replace_the_task_defaults_part_by_part()
    {
        var problem = new TrainingProblem("y", LearningTask.Binary, ["x"], "auc", "1", null);
        var config = ModelConfig.Parse("""{ "gates": { "min": { "auc": 0.8 } } }"""u8);

        var policy = config.Gates.ToPolicy(problem);

        Assert.Equal(0.8, policy.Min["auc"]);
        Assert.Equal(0.01, policy.MaxRegression["auc"]); // the default, as the config sets none
    }
}
