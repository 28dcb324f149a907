using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using ModelOps.Core.Data;
using ModelOps.Core.Serving.Traffic;

namespace ModelOps.Core.Tests.Serving.Traffic;

/// <summary>
/// Features objects as a log writes them and as clients or damaged blobs might: mostly plain, with names in another
/// case, unknown names, escapes, whitespace, text for numbers, numbers JSON does not allow, nested values, and cuts or
/// stray bytes anywhere.
/// </summary>
public static class FeaturesObjects
{
    private static readonly string[] Names = ["tenure", "plan", "active", "note", "Score"];

    public static Arbitrary<string> Objects() =>
        (from pairs in Gen.ListOf(Pair).Select(p => p.ToArray())
         from spaced in Gen.Frequency((9, Gen.Constant(false)), (1, Gen.Constant(true)))
         from damage in Gen.Frequency((4, Gen.Constant(0)), (1, Gen.Choose(1, 3)))
         from at in Gen.Choose(0, 1000)
         from stray in Gen.Elements("", "}", ",", "\"", "x", "\\", " ", "\u0001", "é", "{")
         select Damage("{" + string.Join(spaced ? " , " : ",", pairs) + "}", damage, at, stray)).ToArbitrary();

    internal static readonly Gen<string> Numbers =
        Gen.Elements("0", "-0", "1", "2", "1.5", "-3.25e-7", "12345.678", "1E+2", "9007199254740993", "0.1", "1e308", "-12e-2");

    private static readonly Gen<string> Texts = Gen.Elements("\"gold\"", "\"silver\"", "\"\"", "\"a b\"", "\"true\"", "\"2.5\"");

    private static readonly Gen<string> Literals = Gen.Elements("null", "true", "false");

    /// <summary>Values the byte path must refuse or leave to the reader.</summary>
    private static readonly Gen<string> Risky = Gen.Elements("01", "1.", ".5", "-", "+1", "1e", "1e+", "1e400", "-1e400", "nul",
        "truex", "\"g\\u006fld\"", "\"café\"", "\"a\u0001b\"", "\"a\\\"b\"", "{\"x\":1}", "[1,\"a\"]", "[]", "{}", " 3 ", "\"2.5\"",
        "\"unterminated");

    // After the value generators it draws on: static fields are set in the order they are written.
    private static readonly Gen<string> Pair = Gen.Frequency(
        (12, from feature in Gen.Choose(0, Names.Length - 1)
             from value in feature switch
             {
                 0 or 4 => Gen.Frequency((8, Numbers), (2, Literals), (2, Risky)),
                 2 => Gen.Frequency((8, Gen.Elements("0", "1", "-0", "1.0", "2", "true", "false", "null")), (2, Risky)),
                 _ => Gen.Frequency((6, Texts), (2, Numbers), (2, Literals), (2, Risky)),
             }
             select $"\"{Names[feature]}\":{value}"),
        (1, from name in Gen.Elements("\"TENURE\"", "\"Plan\"", "\"unknown\"", "\"ten\\u0075re\"", "\"\"")
            from value in Gen.OneOf(Numbers, Texts, Literals)
            select $"{name}:{value}"));

    /// <summary>Cuts the text, or puts a stray piece in, at a place picked from <paramref name="at"/>.</summary>
    internal static string Damage(string text, int kind, int at, string stray)
    {
        var place = at % (text.Length + 1);
        return kind switch
        {
            1 => text[..place],
            2 => text.Insert(place, stray),
            3 => text.Remove(place, Math.Min(1, text.Length - place)),
            _ => text,
        };
    }
}

/// <summary>Prediction objects as a log writes them and as others might.</summary>
public static class PredictionObjects
{
    /// <summary>Prediction objects: the two plain shapes the log writes for regression and binary models, mostly, and
    /// the others (multiclass, another order or case, more fields, numbers JSON forbids or out of range, whitespace).</summary>
    public static Arbitrary<string> Predictions() =>
        (from prediction in Gen.Frequency(
             (4, FeaturesObjects.Numbers.Select(n => $"{{\"value\":{n}}}")),
             (4, from label in Gen.Elements("true", "false")
                 from p in FeaturesObjects.Numbers
                 select $"{{\"label\":{label},\"probability\":{p}}}"),
             (3, Gen.Elements("{\"probability\":0.5,\"label\":true}", "{\"Label\":true,\"probability\":0.5}", "{\"VALUE\":2}",
                 "{\"label\":true,\"probability\":0.5,\"x\":1}", "{\"value\":1,\"label\":true}", "{\"value\":1e400}", "{\"value\":\"1\"}",
                 "{\"label\":\"b\",\"probabilities\":{\"a\":0.1,\"b\":0.9}}", "{\"label\":true,\"probability\":01}", "{\"value\":1,}",
                 "{\"value\":1.}", "{\"label\":tru,\"probability\":0.5}", "{\"label\":true ,\"probability\":0.5}", "{ \"value\":1}",
                 "{\"value\":-}", "{\"label\":true,\"probability\":\"NaN\"}", "{\"label\":1,\"probability\":0.5}", "{\"value\":null}",
                 "{\"label\":true}", "{}", "{\"value\":1}}", "{\"value\":1", "{\"label\":false,\"probability\":1e-400}")))
         from damage in Gen.Frequency((6, Gen.Constant(0)), (1, Gen.Choose(1, 3)))
         from at in Gen.Choose(0, 1000)
         from stray in Gen.Elements("", "}", ",", "\"", "x", " ", "{")
         select FeaturesObjects.Damage(prediction, damage, at, stray)).ToArbitrary();
}

/// <summary>Whole lines: the log's own envelope mostly, and lines with a field's value, name, place or spacing changed,
/// a field missing or repeated, or bytes cut or added anywhere.</summary>
public static class EnvelopeLines
{
    private static readonly string[] Names = ["requestId", "row", "time", "model", "version", "features", "prediction", "latencyMs", "requestRows"];

    private static readonly Gen<string>[] Values =
    [
        Gen.Frequency((6, Gen.Elements("\"a1\"", "\"req-7\"", "\"\"")), (1, Gen.Elements("\"a\\u0031\"", "\"é1\"", "null", "1", "\"" + new string('x', 300) + "\""))),
        Gen.Frequency((6, Gen.Elements("0", "2", "17")), (1, Gen.Elements("-1", "-0", "01", "2.0", "2e0", "2147483647", "2147483648", "\"2\"", "null"))),
        Gen.Frequency(
            (6, Gen.Elements("\"2025-03-01T10:40:00Z\"", "\"2025-03-01T10:40:00.1234567+00:00\"", "\"2025-03-01T12:40:00.5+02:00\"")),
            (1, Gen.Elements("\"2025-03-01T09:00:00Z\"", "\"2025-03-01\"", "\"10:40\"", "\"not a time\"", "\"2025-03-01T10:40:00\\u005a\"", "1", "null"))),
        Gen.Frequency((6, Gen.Constant("\"churn\"")), (1, Gen.Elements("\"other\"", "\"Churn\"", "\"ch\\u0075rn\"", "\"\"", "\"ch urn\"", "null"))),
        Gen.Frequency((6, Gen.Elements("3", "2")), (1, Gen.Elements("03", "3.0", "-3", "\"3\"", "null"))),
        Gen.Frequency((6, Gen.Elements("{\"tenure\":2.5,\"plan\":\"gold\"}", "{\"active\":true,\"Score\":-1}", "{}")),
            (1, Gen.Elements("null", "{\"tenure\":\"2.5\"}", "{ \"tenure\":1}", "[]", "{\"tenure\":1"))),
        Gen.Frequency((6, Gen.Elements("{\"value\":1.5}", "{\"label\":true,\"probability\":0.75}")),
            (1, Gen.Elements("{\"label\":\"b\",\"probabilities\":{\"a\":0.1,\"b\":0.9}}", "{\"VALUE\":1}", "null", "{}", "1"))),
        Gen.Frequency((6, Gen.Elements("0.4", "0", "12.75")), (1, Gen.Elements("-1", "01", "1e400", "\"NaN\"", "\"0.4\"", "null", "1."))),
        Gen.Frequency((6, Gen.Elements("1", "3")), (1, Gen.Elements("1.5", "01", "-1", "\"1\"", "null"))),
    ];

    public static Arbitrary<string> Lines() =>
        (from values in Gen.CollectToArray(Values)
         from change in Gen.Frequency((5, Gen.Constant(0)), (1, Gen.Choose(1, 6)))
         from field in Gen.Choose(0, Names.Length - 1)
         from other in Gen.Choose(0, Names.Length - 1)
         from damage in Gen.Frequency((6, Gen.Constant(0)), (1, Gen.Choose(1, 3)))
         from at in Gen.Choose(0, 1000)
         from stray in Gen.Elements("", "}", ",", "\"", "x", " ", "\r", "{", "é")
         select FeaturesObjects.Damage(Envelope(values, change, field, other), damage, at, stray)).ToArbitrary();

    private static string Envelope(string[] values, int change, int field, int other)
    {
        var names = (string[])Names.Clone();
        var fields = names.Select((name, i) => (Name: name, Value: values[i])).ToList();
        switch (change)
        {
            case 1: // another place
                (fields[field], fields[other]) = (fields[other], fields[field]);
                break;
            case 2: // missing
                fields.RemoveAt(field);
                break;
            case 3: // repeated
                fields.Insert(other, fields[field]);
                break;
            case 4: // another case
                fields[field] = (fields[field].Name.ToUpperInvariant(), fields[field].Value);
                break;
            case 5: // spaced
                return "{ " + string.Join(" , ", fields.Select(f => $"\"{f.Name}\" : {f.Value}")) + " }";
            case 6: // another field
                fields.Insert(other, ("extra", "1"));
                break;
        }
        return "{" + string.Join(",", fields.Select(f => $"\"{f.Name}\":{f.Value}")) + "}";
    }
}

/// <summary>Traffic lines for the tests: a record of model churn v3 at 2025-03-01 10:40 UTC, request "a", row 0.</summary>
internal static class LogLines
{
    /// <summary>The record as the log writes it, with these features and prediction objects; <paramref name="requestRows"/>
    /// false leaves that last field out, as older logs did.</summary>
    public static string Record(string features, string prediction, bool requestRows = true) =>
        """{"requestId":"a","row":0,"time":"2025-03-01T10:40:00Z","model":"churn","version":3,"features":""" + features +
        ""","prediction":""" + prediction + ""","latencyMs":0.4""" + (requestRows ? ""","requestRows":1}""" : "}");
}

public sealed class PlainObjectsProperties
{
    private static readonly DateTimeOffset From = new(2025, 3, 1, 10, 0, 0, TimeSpan.Zero);

    private static readonly TableSchema Schema = new([
        new ColumnSchema("tenure", ColumnKind.Numeric), new ColumnSchema("plan", ColumnKind.Categorical),
        new ColumnSchema("active", ColumnKind.Boolean), new ColumnSchema("note", ColumnKind.Categorical),
        new ColumnSchema("Score", ColumnKind.Numeric)]);

    [Property(MaxTest = 2000, Arbitrary = [typeof(FeaturesObjects)])]
    public void A_features_object_reads_the_same_by_its_bytes_as_through_the_reader(string features) =>
        ReadsTheSameBothWays(features, """{"label":true,"probability":0.75}""");

    [Property(MaxTest = 1000, Arbitrary = [typeof(PredictionObjects)])]
    public void A_prediction_object_reads_the_same_by_its_bytes_as_through_the_reader(string prediction) =>
        ReadsTheSameBothWays("""{"tenure":2.5,"plan":"gold"}""", prediction);

    [Property(MaxTest = 2000, Arbitrary = [typeof(EnvelopeLines)])]
    public void A_line_reads_the_same_by_its_bytes_as_through_the_reader(string line) =>
        LineReadsTheSameBothWays(line, "the line");

    [Fact]
    public void The_generated_lines_take_both_paths()
    {
        var columns = new TrafficColumns(new TrafficFrameRequest(Schema, From, From.AddHours(1), 3));
        foreach (var line in EnvelopeLines.Lines().Generator.Sample(500, 10))
        {
            columns.Add(Encoding.UTF8.GetBytes(line));
        }
        Assert.InRange(columns.PlainLines, 50, 450);
    }

    private static void ReadsTheSameBothWays(string features, string prediction) =>
        LineReadsTheSameBothWays(LogLines.Record(features, prediction), features);

    /// <summary>Reads the line with the byte paths and without them (<see cref="TrafficColumns.ReadsPlainObjects"/>), with
    /// labels wanted for some request ids: the same outcome, row, label match and values.</summary>
    private static void LineReadsTheSameBothWays(string text, string what)
    {
        var line = Encoding.UTF8.GetBytes(text);
        var labels = new FeedbackLabels();
        labels.Add(new FeedbackRecord("a1", 2, System.Text.Json.JsonSerializer.SerializeToElement("yes"), From));
        labels.Add(new FeedbackRecord("req-7", 0, System.Text.Json.JsonSerializer.SerializeToElement("no"), From));
        var request = new TrafficFrameRequest(Schema, From, From.AddHours(1), 3, labels);
        var plain = new TrafficColumns(request);
        var reference = new TrafficColumns(request) { ReadsPlainObjects = false };

        Assert.Equal(reference.Add(line), plain.Add(line));

        Assert.Equal(reference.Count, plain.Count);
        Assert.Equal(reference.CorruptLines, plain.CorruptLines);
        Assert.Equal(reference.Matches.Select(m => (m.Row, m.Label)), plain.Matches.Select(m => (m.Row, m.Label)));
        if (reference.Count > 0)
        {
            Assert.Equal(reference.PredictionAt(0), plain.PredictionAt(0));
            Assert.Equal(reference.Latency[0], plain.Latency[0]);
        }
        for (var f = 0; f < Schema.Columns.Count; f++)
        {
            Assert.Equal(reference.TypeErrors(f), plain.TypeErrors(f));
            if (reference.Count == 0)
            {
                continue;
            }
            if (reference.Numbers(f) is { } numbers)
            {
                Assert.True(numbers[0].Equals(plain.Numbers(f)![0]), $"{Schema.Columns[f].Name}: {numbers[0]} and {plain.Numbers(f)![0]} in {what}");
            }
            else
            {
                Assert.Same(reference.Texts(f)![0], plain.Texts(f)![0]);
            }
        }
    }

    [Fact]
    public void The_generated_objects_take_both_paths()
    {
        var request = new TrafficFrameRequest(Schema, From, From.AddHours(1), 3);
        var columns = new TrafficColumns(request);
        var features = FeaturesObjects.Objects().Generator.Sample(500, 10).ToArray();
        var predictions = PredictionObjects.Predictions().Generator.Sample(500, 10).ToArray();
        for (var i = 0; i < features.Length; i++)
        {
            // Without requestRows, so that each line goes to ReadLine and the objects' own byte paths are what is counted.
            columns.Add(Encoding.UTF8.GetBytes(LogLines.Record(features[i], predictions[i], requestRows: false)));
        }
        Assert.InRange(columns.PlainFeatureLines, 50, 450); // about 150 of 500
        Assert.InRange(columns.PlainPredictionLines, 50, 450); // about 200 of 500
    }
}
