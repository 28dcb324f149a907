using System.Text.Json;

namespace ModelOps.Testing;

/// <summary>The ONNX test graphs made by scripts/make_onnx_model.py, their reference data and the outputs numpy computed for a few rows.</summary>
public static class OnnxSamples
{
    /// <summary>Logistic regression on samples/churn/customers.csv: one input per column (float or string [N,1]), label "no"/"yes".</summary>
    public const string Churn = "churn";

    /// <summary>Least squares on regression.csv: one float matrix input "features" [N,3] (x1, x2, x3).</summary>
    public const string Regression = "regression";

    /// <summary>Softmax regression on multiclass.csv: x1, x2 (float) and color (string) -> a/b/c.</summary>
    public const string Multiclass = "multiclass";

    public static string Folder => Path.Combine(AppContext.BaseDirectory, "Onnx");

    public static byte[] Graph(string name) => File.ReadAllBytes(Path.Combine(Folder, $"{name}.onnx"));

    /// <summary>The reference data a graph was fitted on (churn: the repository's sample).</summary>
    public static string DataPath(string name) => name == Churn ? Repository("samples/churn/customers.csv") : Path.Combine(Folder, $"{name}.csv");

    /// <summary>The rows (as a predict call sends them) and numpy's outputs for one graph.</summary>
    public static JsonElement Expected(string name) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "expected.json"))).RootElement.GetProperty(name).Clone();

    /// <summary>The expected rows as the scorers take them, keyed without case as the host parses them.</summary>
    public static IReadOnlyList<IReadOnlyDictionary<string, JsonElement>> Rows(string name) =>
        Expected(name).GetProperty("rows").EnumerateArray()
            .Select(r => (IReadOnlyDictionary<string, JsonElement>)r.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone(), StringComparer.OrdinalIgnoreCase))
            .ToList();

    private static string Repository(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, relative);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new FileNotFoundException($"{relative} was not found above {AppContext.BaseDirectory}.");
    }
}
