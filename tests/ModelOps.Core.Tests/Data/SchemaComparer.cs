using ModelOps.Core.Data;

namespace ModelOps.Core.Tests.Data;

/// <summary>Two schemas alike column by column: name, kind, nullability, range and categories.</summary>
internal sealed class SchemaComparer : IEqualityComparer<TableSchema>
{
    public bool Equals(TableSchema? x, TableSchema? y) =>
        x!.Columns.Count == y!.Columns.Count && x.Columns.Zip(y.Columns).All(p =>
            p.First.Name == p.Second.Name && p.First.Kind == p.Second.Kind && p.First.Nullable == p.Second.Nullable
            && p.First.Min == p.Second.Min && p.First.Max == p.Second.Max
            && (p.First.Categories ?? []).SequenceEqual(p.Second.Categories ?? []));

    public int GetHashCode(TableSchema obj) => obj.Columns.Count;
}
