namespace ModelOps.Durable;

/// <summary>The orchestrator's code did something different on replay from what its history recorded.</summary>
internal sealed class NonDeterministicOrchestrationException(string message) : InvalidOperationException(message);
