using System.Text.Json;
using ModelOps.Core.Data;
using ModelOps.Core.Registry;
using ModelOps.Core.Serving;
using ModelOps.Core.Serving.Onnx;
using ModelOps.Core.Storage;
using ModelOps.Core.Tests.Training;
using ModelOps.Core.Training;
using ModelOps.Testing;

namespace ModelOps.Core.Tests.Serving.Onnx;

/// <summary>ONNX versions scored through ONNX Runtime answer like the numpy model they were written from, and like ML.NET versions do.</summary>
public sealed class OnnxModelScorerTests
{
    private const double Tolerance = 1e-6;

    [Fact]
    public async Task A_binary_graph_with_one_input_per_column_gives_numpys_probabilities()
    {
        var kit = await OnnxImportKit.StartAsync();
        using var scorer = await kit.ServeAsync(OnnxSamples.Churn, label: "churned");
        var expected = OnnxSamples.Expected(OnnxSamples.Churn);

        var predictions = scorer.Score(OnnxSamples.Rows(OnnxSamples.Churn));

        Assert.IsType<OnnxModelScorer>(scorer);
        var probabilities = expected.GetProperty("probability").EnumerateArray().Select(p => p.GetDouble()).ToArray();
        var labels = expected.GetProperty("label").EnumerateArray().Select(p => p.GetBoolean()).ToArray();
        Assert.Equal(probabilities.Length, predictions.Count);
        for (var i = 0; i < predictions.Count; i++)
        {
            var prediction = Assert.IsType<BinaryPrediction>(predictions[i]);
            Assert.InRange(prediction.Probability, probabilities[i] - Tolerance, probabilities[i] + Tolerance);
            Assert.Equal(labels[i], prediction.Label);
        }
        Assert.Matches("""^\{"label":(true|false),"probability":[0-9.Ee-]+\}$""", JsonSerializer.Serialize(predictions[0], Json.Options));
    }

    [Fact]
    public async Task A_regression_graph_with_one_matrix_input_gives_numpys_values()
    {
        var kit = await OnnxImportKit.StartAsync();
        using var scorer = await kit.ServeAsync(OnnxSamples.Regression);
        var expected = OnnxSamples.Expected(OnnxSamples.Regression).GetProperty("value").EnumerateArray().Select(v => v.GetDouble()).ToArray();

        var single = OnnxSamples.Rows(OnnxSamples.Regression).Select(r => scorer.Score([r])[0]).ToArray();
        var batch = scorer.Score(OnnxSamples.Rows(OnnxSamples.Regression));

        Assert.Equal(["x1", "x2", "x3"], scorer.FeatureSchema.Columns.Select(c => c.Name));
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.InRange(Assert.IsType<RegressionPrediction>(single[i]).Value, expected[i] - Tolerance, expected[i] + Tolerance);
            Assert.Equal(single[i], batch[i]);
        }
    }

    [Fact]
    public async Task A_multiclass_graph_gives_numpys_probabilities_keyed_by_class()
    {
        var kit = await OnnxImportKit.StartAsync();
        using var scorer = await kit.ServeAsync(OnnxSamples.Multiclass);
        var expected = OnnxSamples.Expected(OnnxSamples.Multiclass);

        var predictions = scorer.Score(OnnxSamples.Rows(OnnxSamples.Multiclass));

        var rows = expected.GetProperty("probabilities").EnumerateArray().ToArray();
        for (var i = 0; i < rows.Length; i++)
        {
            var prediction = Assert.IsType<MulticlassPrediction>(predictions[i]);
            Assert.Equal(["a", "b", "c"], prediction.Probabilities.Keys);
            var numpy = rows[i].EnumerateArray().Select(p => p.GetDouble()).ToArray();
            Assert.All(numpy.Zip(prediction.Probabilities.Values), p => Assert.InRange(p.Second, p.First - Tolerance, p.First + Tolerance));
            Assert.Equal(expected.GetProperty("label")[i].GetString(), prediction.Label);
        }
    }

    [Fact]
    public async Task Bad_fields_get_the_same_messages_from_onnx_and_mlnet_versions_of_one_problem()
    {
        var kit = await OnnxImportKit.StartAsync();
        var manifest = (await kit.ImportAsync(OnnxSamples.Multiclass)).Manifest;
        using var file = await kit.Registry.DownloadModelAsync(manifest, CancellationToken.None);
        using var onnx = ScorerLoader.Load(manifest, file);
        var table = await ReadAsync(OnnxSamples.DataPath(OnnxSamples.Multiclass));
        using var mlnet = new ModelScorer(ModelTrainer.Fit(table, manifest.Problem, TrainerCatalogTests.Small("sdca")), manifest.Cleaning);
        IReadOnlyList<IReadOnlyDictionary<string, JsonElement>> bad =
        [
            Row("""{"x1": "abc", "x2": [1], "color": {"a": 1}, "shade": "dark"}"""),
            Row("""{"x1": 1e400, "x2": 0.5, "color": 3, "X2": 1}"""),
        ];

        var fromOnnx = Assert.Throws<ScoringInputException>(() => onnx.Score(bad));
        var fromMlNet = Assert.Throws<ScoringInputException>(() => mlnet.Score(bad));

        Assert.Equal(fromMlNet.Errors, fromOnnx.Errors);
        Assert.Equal(fromMlNet.Message, fromOnnx.Message);
        Assert.Contains("row 0: 'x1' must be a number, got the string \"abc\"", fromOnnx.Errors);
        Assert.Contains("row 0: 'color' must be a string, got an object", fromOnnx.Errors);
        Assert.Equal(mlnet.UnknownFields(bad), onnx.UnknownFields(bad));
        Assert.Equal(["shade"], onnx.UnknownFields(bad));
    }

    [Fact]
    public async Task Missing_fields_take_the_reference_datas_fill_values_as_for_mlnet_versions()
    {
        var kit = await OnnxImportKit.StartAsync();
        var manifest = (await kit.ImportAsync(OnnxSamples.Churn, label: "churned")).Manifest;
        using var file = await kit.Registry.DownloadModelAsync(manifest, CancellationToken.None);
        using var scorer = ScorerLoader.Load(manifest, file);
        var row = OnnxSamples.Rows(OnnxSamples.Churn)[0];
        var fill = manifest.Cleaning!.Imputations.Single(i => i.Column == "monthly_charges").Number!.Value;
        var withoutCharges = row.Where(p => p.Key != "monthly_charges").ToDictionary(p => p.Key, p => p.Value, StringComparer.OrdinalIgnoreCase);
        var filled = new Dictionary<string, JsonElement>(withoutCharges, StringComparer.OrdinalIgnoreCase) { ["monthly_charges"] = JsonSerializer.SerializeToElement(fill) };

        var asNull = new Dictionary<string, JsonElement>(withoutCharges, StringComparer.OrdinalIgnoreCase) { ["monthly_charges"] = JsonSerializer.SerializeToElement<object?>(null) };

        var predictions = scorer.Score([withoutCharges, asNull, filled]);

        Assert.Equal(predictions[2], predictions[0]);
        Assert.Equal(predictions[2], predictions[1]);
        Assert.NotEqual(predictions[2], scorer.Score([row])[0]);
    }

    [Fact]
    public async Task Concurrent_single_rows_and_batches_get_the_same_predictions_as_one_at_a_time()
    {
        var kit = await OnnxImportKit.StartAsync();
        using var scorer = await kit.ServeAsync(OnnxSamples.Churn, label: "churned");
        var some = (await ReadAsync(OnnxSamples.DataPath(OnnxSamples.Churn))).SelectRows(Enumerable.Range(0, 40).ToArray());
        // A batch and single rows may differ in the last bit of a float (ONNX Runtime picks kernels by shape), so each
        // kind of call is compared with the same kind made alone.
        var batch = scorer.Score(some);
        var single = Enumerable.Range(0, 40).Select(r => scorer.Score(some.SelectRows([r]))[0]).ToList();

        var results = new IReadOnlyList<Prediction>[64];
        Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i => results[i] = i % 4 == 0
            ? scorer.Score(some)
            : Enumerable.Range(0, 40).Select(r => scorer.Score(some.SelectRows([r]))[0]).ToList());

        Assert.All(results.Where((_, i) => i % 4 == 0), r => Assert.Equal(batch, r));
        Assert.All(results.Where((_, i) => i % 4 != 0), r => Assert.Equal(single, r));
        Assert.All(batch.Zip(single), p => Assert.Equal(((BinaryPrediction)p.First).Probability, ((BinaryPrediction)p.Second).Probability, 1e-6));
    }

    [Fact]
    public async Task A_disposed_scorer_finishes_calls_in_flight_and_refuses_new_ones()
    {
        var kit = await OnnxImportKit.StartAsync();
        var scorer = await kit.ServeAsync(OnnxSamples.Regression);
        var rows = OnnxSamples.Rows(OnnxSamples.Regression);
        var scored = new int[4];
        var calls = Enumerable.Range(0, 4).Select(i => Task.Run(() =>
        {
            try
            {
                while (true)
                {
                    scorer.Score(rows);
                    Interlocked.Increment(ref scored[i]);
                }
            }
            catch (ObjectDisposedException)
            {
                return Volatile.Read(ref scored[i]);
            }
        })).ToArray();
        // Every caller is mid-stream (on a loaded machine some start late) before the version is unloaded.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (scored.Any(c => c == 0) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        scorer.Dispose();

        var counts = await Task.WhenAll(calls).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.All(counts, c => Assert.True(c > 0));
        Assert.Throws<ObjectDisposedException>(() => scorer.Score(rows));
    }

    private static async Task<Table> ReadAsync(string path)
    {
        await using var file = File.OpenRead(path);
        return Cleaner.Clean((await CsvTableReader.ReadAsync(file)).Table, path.EndsWith("customers.csv") ? "churned" : "class").Table;
    }

    private static IReadOnlyDictionary<string, JsonElement> Row(string json) =>
        JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json)!;
}
