namespace MLExtensions;

/// <summary>
/// Rescales the gradients of the training parameters so that their total L2 norm is at most <see cref="MaxNorm"/>,
/// before every optimizer step, and records the norm it measured (<see cref="TrainingState.GradientNorm"/>).
/// Set it as <c>Options.GradientClipNorm</c> (or add it to <c>Options.Callbacks</c>).
/// </summary>
public sealed class GradientClipping : TrainingCallback
{
    public GradientClipping(double maxNorm)
    {
        if (!(maxNorm > 0) || double.IsInfinity(maxNorm))
            throw new ArgumentOutOfRangeException(nameof(maxNorm), $"The gradient norm limit must be positive, got {maxNorm}.");
        MaxNorm = maxNorm;
    }

    public double MaxNorm { get; }

    /// <summary>The total gradient norm of the last step, before clipping.</summary>
    public double LastNorm { get; private set; } = double.NaN;

    public override int Order => CallbackOrder.GradientClipping;

    public override void OnBackward(TrainingState state)
        => state.GradientNorm = LastNorm = TorchSharp.torch.nn.utils.clip_grad_norm_(state.TrainableParameters, MaxNorm);
}
