using TorchSharp.Modules;

namespace MLExtensions.Training;

/// <summary>Adds λ·Σ|w| over the training convolution and linear weights (not biases or norm scales) to the loss.</summary>
internal sealed class L1Penalty(double lambda) : TrainingCallback
{
    private Parameter[] _penalised = [];

    public override int Order => CallbackOrder.Penalties;

    public override void OnEpochBegin(TrainingState state)
        => _penalised = state.TrainableParameters.Where(p => p.dim() > 1).ToArray();

    public override void OnLoss(TrainingState state)
        => state.Loss = state.Loss! + lambda * _penalised.Select(w => w.abs().sum()).Aggregate((a, b) => a + b);
}
