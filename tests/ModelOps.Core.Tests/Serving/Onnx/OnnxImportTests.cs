using ModelOps.Core.Monitoring;
using ModelOps.Core.Registry;
using ModelOps.Core.Serving;
using ModelOps.Core.Serving.Onnx;
using ModelOps.Core.Storage;
using ModelOps.Core.Training;
using ModelOps.Testing;

namespace ModelOps.Core.Tests.Serving.Onnx;

/// <summary>Importing an ONNX graph registers a version serving and the monitor treat like a trained one, or says why not.</summary>
public sealed class OnnxImportTests
{
    [Fact]
    public async Task An_import_registers_an_onnx_version_with_its_contract_lineage_baseline_and_profile()
    {
        var kit = await OnnxImportKit.StartAsync();

        var result = await kit.ImportAsync(OnnxSamples.Churn, label: "churned", alias: ModelRegistry.Production);

        var manifest = result.Manifest;
        Assert.Equal(1, manifest.Version);
        Assert.Equal(ModelFormat.Onnx, manifest.Format);
        Assert.Equal("model.onnx", manifest.ModelFile);
        Assert.Equal(LearningTask.Binary, manifest.Problem.Task);
        Assert.Equal("true", manifest.Problem.PositiveClass);
        // customer_id is no input of the graph, so it is no feature of the version.
        Assert.Equal(["tenure_months", "monthly_charges", "total_charges", "contract", "payment_method", "internet_service", "region",
            "support_calls", "senior_citizen", "paperless_billing"], manifest.Problem.Features);
        var contract = manifest.Onnx!;
        Assert.Equal(10, contract.Inputs.Count);
        Assert.Contains(contract.Inputs, i => i is { Name: "contract", Type: OnnxElementType.String });
        Assert.Contains(contract.Inputs, i => i is { Name: "senior_citizen", Type: OnnxElementType.Float });
        Assert.Equal(("probabilities", "label"), (contract.Probabilities, contract.Label));
        Assert.Equal(["false", "true"], contract.Classes); // the graph's "no"/"yes", in the data's terms
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(OnnxSamples.Graph(OnnxSamples.Churn))), contract.Sha256);
        Assert.Equal("customers.csv", Assert.Single(manifest.Datasets).Name);
        Assert.InRange(manifest.Metrics["auc"], 0.6, 1.0);
        Assert.Equal(1, result.Alias!.Version);
        Assert.Equal(1, (await kit.Registry.GetAliasAsync(manifest.Model, ModelRegistry.Production, default))!.Version);
        var baseline = await kit.Registry.ReadVersionFileAsync<BaselineSample>(manifest.Model, 1, BaselineSample.File, default);
        Assert.Equal(result.ReferenceRows, baseline!.Rows);
        Assert.NotNull(baseline.PredictionScore);
        Assert.NotNull(await kit.Registry.ReadVersionFileAsync<Core.Data.DataProfile>(manifest.Model, 1, "profile.json", default));
    }

    [Fact]
    public async Task Importing_the_same_graph_and_data_again_returns_the_version_it_made()
    {
        var kit = await OnnxImportKit.StartAsync();

        var first = await kit.ImportAsync(OnnxSamples.Regression);
        var again = await kit.ImportAsync(OnnxSamples.Regression, alias: "staging");

        Assert.Equal(first.Manifest.Version, again.Manifest.Version);
        Assert.Single(await kit.Registry.ListVersionsAsync(first.Manifest.Model, default));
        Assert.Equal(1, (await kit.Registry.GetAliasAsync(first.Manifest.Model, "staging", default))!.Version);
    }

    [Fact]
    public async Task A_graph_whose_inputs_the_data_lacks_is_refused_naming_them()
    {
        var kit = await OnnxImportKit.StartAsync();

        var error = await Assert.ThrowsAsync<ModelImportException>(() =>
            kit.ImportAsync(OnnxSamples.Regression, graph: OnnxSamples.Graph(OnnxSamples.Churn), data: OnnxSamples.DataPath(OnnxSamples.Regression)));

        Assert.StartsWith("The ONNX graph's inputs do not fit the data:", error.Message);
        Assert.Contains("input 'tenure_months' (float[N,1]) matches no column of the data", error.Message);
        Assert.Contains("input 'contract' (string[N,1]) matches no column of the data", error.Message);
        Assert.Contains("The data's feature columns are 'x1', 'x2', 'x3'", error.Message);
        Assert.Empty(await kit.Registry.ListVersionsAsync(ModelName.Parse(OnnxSamples.Regression), default));
    }

    [Fact]
    public async Task A_matrix_over_a_category_bytes_that_are_no_graph_a_bad_alias_and_a_task_the_label_cannot_have_are_refused()
    {
        var kit = await OnnxImportKit.StartAsync();

        // The multiclass data offers x1, x2 and the categorical color: a float matrix cannot take color.
        var matrix = await Assert.ThrowsAsync<ModelImportException>(() =>
            kit.ImportAsync(OnnxSamples.Multiclass, graph: OnnxSamples.Graph(OnnxSamples.Regression)));
        var garbage = await Assert.ThrowsAsync<ModelImportException>(() =>
            kit.ImportAsync(OnnxSamples.Regression, graph: "not a graph"u8.ToArray()));
        var alias = await Assert.ThrowsAsync<ModelImportException>(() => kit.ImportAsync(OnnxSamples.Regression, alias: "Live!"));
        var task = await Assert.ThrowsAsync<ModelImportException>(() =>
            kit.Import.ImportAsync(new OnnxImportRequest(ModelName.Parse("prices"), "regression.csv", Task: "binary"),
                OnnxSamples.Graph(OnnxSamples.Regression), File.OpenRead(OnnxSamples.DataPath(OnnxSamples.Regression)), default));

        Assert.Contains("the matrix input 'features' (float[N,3]) would take the categorical column(s) 'color'", matrix.Message);
        Assert.StartsWith("The file is not an ONNX model that ONNX Runtime can run", garbage.Message);
        Assert.Contains("Binary classification needs exactly two label values", task.Message);
        Assert.StartsWith("'Live!' is not a valid alias", alias.Message);
        Assert.Empty(await kit.Registry.ListVersionsAsync(ModelName.Parse(OnnxSamples.Regression), default));
    }

    [Fact]
    public async Task Loading_a_version_whose_graph_does_not_match_its_manifest_fails_saying_how()
    {
        var kit = await OnnxImportKit.StartAsync();
        var manifest = (await kit.ImportAsync(OnnxSamples.Multiclass)).Manifest;
        var contract = manifest.Onnx!;
        var broken = manifest with
        {
            Onnx = contract with { Inputs = [.. contract.Inputs.Select(i => i.Name == "color" ? i with { Name = "colour" } : i)] },
        };

        using var file = await kit.Registry.DownloadModelAsync(manifest, default);
        var error = Assert.Throws<OnnxContractException>(() => ScorerLoader.Load(broken, file));

        Assert.StartsWith("The ONNX graph does not match its manifest:", error.Message);
        Assert.Contains("the graph's input 'color' (string[N,1]) is fed by nothing in the manifest", error.Message);
        Assert.Contains("the manifest feeds input 'colour', which the graph does not have", error.Message);
    }
}
