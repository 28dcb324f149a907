namespace ModelOps.Core.Serving.Onnx;

/// <summary>
/// How a version's ONNX graph is fed and read, recorded in its manifest and checked against the graph on every load:
/// which graph input takes which feature columns, and which output holds the prediction.
/// </summary>
/// <param name="Inputs">Every input of the graph, each fed from one or more feature columns.</param>
/// <param name="Value">Regression: the output with the predicted value, shape [N,1] or [N].</param>
/// <param name="Probabilities">Classifiers: the output with one probability per class, shape [N,C].</param>
/// <param name="Label">Classifiers: the graph's label output, if it has one. Import checks it against the probabilities
/// to learn the class order; serving takes the most probable class instead of reading it.</param>
/// <param name="Classes">Classifiers: the class (as the version's problem names it) of each probability column, in column order.</param>
/// <param name="Sha256">The hash of model.onnx, for lineage.</param>
public sealed record OnnxContract(
    IReadOnlyList<OnnxInput> Inputs,
    string? Value,
    string? Probabilities,
    string? Label,
    IReadOnlyList<string>? Classes,
    string Sha256);

/// <summary>
/// One graph input, shape [N,k]: with one column it is a column input named after the column (as sklearn-onnx writes
/// them); with several it is a matrix whose columns are these features, in this order.
/// </summary>
public sealed record OnnxInput(string Name, OnnxElementType Type, IReadOnlyList<string> Columns);

/// <summary>The element types ModelOps feeds: numbers (and yes/no as 0/1) as float or double, categories as strings.</summary>
public enum OnnxElementType
{
    Float,
    Double,
    String,
}
