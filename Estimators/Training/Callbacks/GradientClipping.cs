namespace MLExtensions;

/// <summary>
/// Rescales the gradients of the training parameters so that their total L2 norm is at most <see cref="MaxNorm"/>,
/// before every optimizer step, and records the norm it measured (<see cref="TrainingState.GradientNorm"/>).
/// Set it as <c>Options.GradientClipNorm</c> (or add it to <c>Options.Callbacks</c>).
/// </summary>
public sealed class GradientClipping : TrainingCallback
{
    /// <summary>Scales the gradients down whenever their global L2 norm exceeds <paramref name="maxNorm"/>.</summary>
    /// <param name="maxNorm">The largest global gradient norm allowed, > 0.</param>
    public GradientClipping(double maxNorm)
    {
        if (!(maxNorm > 0) || double.IsInfinity(maxNorm))
            throw new ArgumentOutOfRangeException(nameof(maxNorm), $"The gradient norm limit must be positive, got {maxNorm}.");
        MaxNorm = maxNorm;
    }

    /// <summary>The largest global gradient norm allowed.</summary>
    public double MaxNorm { get; }

    /// <summary>The total gradient norm of the last step, before clipping.</summary>
    public double LastNorm { get; private set; } = double.NaN;

    /// <inheritdoc />
    public override int Order => CallbackOrder.GradientClipping;

    /// <inheritdoc />
    public override void OnBackward(TrainingState state)
        => state.GradientNorm = LastNorm = TorchSharp.torch.nn.utils.clip_grad_norm_(state.TrainableParameters, MaxNorm);
}
