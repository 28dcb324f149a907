namespace ModelOps.Core.Serving.Onnx;

/// <summary>An ONNX graph cannot be used as a version: not a valid graph, or its inputs or outputs do not fit the data or the manifest. The message says how.</summary>
public sealed class OnnxContractException(string message, Exception? innerException = null) : Exception(message, innerException);
