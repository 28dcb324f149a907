namespace ModelOps.Core.Training;

/// <summary>The data and the model config do not describe a problem that can be trained; the message says why in user terms.</summary>
public sealed class TrainingProblemException : ArgumentException
{
    public TrainingProblemException(string message)
        : base(message)
    {
    }
}
