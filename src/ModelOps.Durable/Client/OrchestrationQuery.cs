namespace ModelOps.Durable;

/// <summary>A filter over instances; every criterion is optional. Results are newest first.</summary>
public sealed record OrchestrationQuery
{
    public string? Name { get; init; }
    public IReadOnlyCollection<OrchestrationRuntimeStatus>? Statuses { get; init; }
    public DateTimeOffset? CreatedFrom { get; init; }
    public DateTimeOffset? CreatedTo { get; init; }
    public string? InstanceIdPrefix { get; init; }
    public int PageSize { get; init; } = 100;

    /// <summary>From a previous page's <see cref="OrchestrationQueryResult.ContinuationToken"/>.</summary>
    public string? ContinuationToken { get; init; }
}

/// <summary>One page of instances and the token for the next (null on the last page).</summary>
public sealed record OrchestrationQueryResult(IReadOnlyList<OrchestrationMetadata> Instances, string? ContinuationToken);
