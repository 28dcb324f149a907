using Azure.Storage.Blobs;
using ModelOps.Core.Data;
using ModelOps.Core.Pipelines;
using ModelOps.Core.Registry;
using ModelOps.Core.Storage;
using ModelOps.Core.Training;
using ModelOps.Testing;

namespace ModelOps.Core.Tests.Registry;

public sealed class ModelRegistryTests
{
    private static readonly ModelName Churn = ModelName.Parse("churn");

    [Fact]
    public async Task Versions_count_up_and_a_retried_registration_of_the_same_run_returns_its_version()
    {
        var registry = await NewRegistryAsync();

        var first = await registry.RegisterAsync(Draft("run-a"), Model("one"), default);
        var second = await registry.RegisterAsync(Draft("run-b"), Model("two"), default);
        var retried = await registry.RegisterAsync(Draft("run-a"), Model("one"), default);

        Assert.Equal(1, first.Version);
        Assert.Equal(2, second.Version);
        Assert.Equal(1, retried.Version);
        Assert.Equal([1, 2], (await registry.ListVersionsAsync(Churn, default)).Select(v => v.Version));
        Assert.Equal([Churn], await registry.ListModelsAsync(default));
    }

    [Fact]
    public async Task Concurrent_registrations_get_distinct_versions()
    {
        var registry = await NewRegistryAsync();

        var versions = await Task.WhenAll(Enumerable.Range(0, 6).Select(i =>
            registry.RegisterAsync(Draft($"run-{i}"), Model($"m{i}"), default)));

        Assert.Equal([1, 2, 3, 4, 5, 6], versions.Select(v => v.Version).Order());
    }

    [Fact]
    public async Task An_alias_moves_only_from_where_the_caller_last_saw_it()
    {
        var registry = await NewRegistryAsync();
        await registry.RegisterAsync(Draft("run-a"), Model("one"), default);
        await registry.RegisterAsync(Draft("run-b"), Model("two"), default);

        var set = await registry.SetAliasAsync(Churn, ModelRegistry.Production, 1, expectedETag: null, "first", default);
        await Assert.ThrowsAsync<AliasConflictException>(() =>
            registry.SetAliasAsync(Churn, ModelRegistry.Production, 2, expectedETag: null, "must not overwrite", default));
        var moved = await registry.SetAliasAsync(Churn, ModelRegistry.Production, 2, set.ETag, "second", default);
        await Assert.ThrowsAsync<AliasConflictException>(() =>
            registry.SetAliasAsync(Churn, ModelRegistry.Production, 1, set.ETag, "stale", default));

        Assert.Equal(2, moved.Version);
        Assert.Equal(2, (await registry.GetAliasAsync(Churn, ModelRegistry.Production, default))!.Version);
        Assert.Equal(2, (await registry.GetAliasesAsync(Churn, default))[ModelRegistry.Production].Version);
        await Assert.ThrowsAsync<KeyNotFoundException>(() =>
            registry.SetAliasAsync(Churn, "staging", 9, null, "no such version", default));
    }

    private static async Task<ModelRegistry> NewRegistryAsync()
    {
        var blobs = new BlobServiceClient(await SharedAzurite.NewAccountAsync());
        await blobs.GetBlobContainerClient(StorageLayout.Registry).CreateIfNotExistsAsync();
        return new ModelRegistry(blobs, TimeProvider.System);
    }

    private static MemoryStream Model(string content) => new(System.Text.Encoding.UTF8.GetBytes(content));

    private static ModelManifest Draft(string runId) => new()
    {
        Model = Churn,
        RunId = runId,
        Problem = new TrainingProblem("churned", LearningTask.Binary, ["tenure"], "auc", "yes", null),
        Schema = new TableSchema([new ColumnSchema("tenure", ColumnKind.Numeric), new ColumnSchema("churned", ColumnKind.Categorical)]),
        Trainer = "lightgbm",
        Parameters = new Dictionary<string, double>(),
        Metrics = new Dictionary<string, double> { ["auc"] = 0.9 },
        Datasets = [],
        Config = new ModelConfig(),
    };
}
