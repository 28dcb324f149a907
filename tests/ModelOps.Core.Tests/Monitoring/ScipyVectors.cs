using System.Runtime.CompilerServices;
using System.Text.Json;

namespace ModelOps.Core.Tests.Monitoring;

/// <summary>
/// The scipy answers written by scripts/drift_vectors.py, and the bit-exact sample generator both sides share.
/// The JSON is found next to this source file (the test project file is not ours to add a copy-to-output item to);
/// a copy in the output folder is preferred when someone adds one.
/// </summary>
internal static class ScipyVectors
{
    private static readonly Lazy<JsonDocument> Document = new(Load);

    public static JsonElement Root => Document.Value.RootElement;

    /// <summary>Equal to 1e-9 relative; values within 1e-300 of each other (both underflowed) also count as equal.</summary>
    public static void AssertClose(double expected, double actual, string what, double relative = 1e-9)
    {
        if (expected == actual || Math.Abs(expected - actual) <= relative * Math.Abs(expected) || Math.Abs(expected - actual) < 1e-300)
        {
            return;
        }
        Assert.Fail($"{what}: expected {expected:R}, got {actual:R} (relative error {Math.Abs(expected - actual) / Math.Abs(expected):E2})");
    }

    public static double[] Doubles(JsonElement array)
    {
        var values = new double[array.GetArrayLength()];
        var i = 0;
        foreach (var e in array.EnumerateArray())
        {
            values[i++] = e.GetDouble();
        }
        return values;
    }

    /// <summary>The sample stored inline under <paramref name="inline"/> or regenerated from <paramref name="inline"/>Spec.</summary>
    public static double[] Sample(JsonElement testCase, string inline) =>
        testCase.TryGetProperty(inline, out var values) ? Doubles(values) : Generate(testCase.GetProperty(inline + "Spec"));

    /// <summary>splitmix64 → 53-bit uniforms → Irwin-Hall normal (12 uniforms − 6), optionally floored to a 1/ties grid.</summary>
    public static double[] Generate(JsonElement spec)
    {
        var seed = spec.GetProperty("seed").GetUInt64();
        var n = spec.GetProperty("n").GetInt32();
        var loc = spec.GetProperty("loc").GetDouble();
        var scale = spec.GetProperty("scale").GetDouble();
        var ties = spec.GetProperty("ties").GetDouble();
        return Generate(seed, n, loc, scale, ties);
    }

    public static double[] Generate(ulong seed, int n, double loc = 0, double scale = 1, double ties = 0)
    {
        var state = seed;
        var values = new double[n];
        for (var i = 0; i < n; i++)
        {
            var s = 0.0;
            for (var k = 0; k < 12; k++)
            {
                state += 0x9E3779B97F4A7C15UL;
                var z = state;
                z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
                z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
                z ^= z >> 31;
                s += (z >> 11) * (1.0 / 9007199254740992.0);
            }
            values[i] = loc + scale * (s - 6.0);
            if (ties != 0)
            {
                values[i] = Math.Floor(values[i] * ties) / ties;
            }
        }
        return values;
    }

    private static JsonDocument Load()
    {
        var copied = Path.Combine(AppContext.BaseDirectory, "Monitoring", "drift_vectors.json");
        var path = File.Exists(copied) ? copied : Path.Combine(SourceFolder(), "drift_vectors.json");
        return JsonDocument.Parse(File.ReadAllText(path));
    }

    private static string SourceFolder([CallerFilePath] string file = "") => Path.GetDirectoryName(file)!;
}
