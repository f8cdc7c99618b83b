using static TorchSharp.torch;

namespace MLExtensions.Augmentation;

/// <summary>Mirrors images left-right (<see cref="Horizontal"/>) or upside down.</summary>
public sealed class FlipOp : AugmentationOp
{
    internal FlipOp(bool horizontal, double probability) : base(probability) => Horizontal = horizontal;

    /// <summary>True mirrors left-right, false upside down.</summary>
    public bool Horizontal { get; }

    internal override Tensor Apply(Tensor images, AugmentationContext context)
        => Select(context.Chance(images.shape[0], Probability), images.flip(Horizontal ? 3 : 2), images);
}
