using static TorchSharp.torch;

namespace MLExtensions.Augmentation;

/// <summary>One step of an <see cref="ImageAugmentation"/> policy, applied to a batch [N,C,H,W] of planar float images.</summary>
public abstract class AugmentationOp
{
    private protected AugmentationOp(double probability)
    {
        if (probability is < 0 or > 1 || double.IsNaN(probability))
            throw new ArgumentOutOfRangeException(nameof(probability), $"A probability must be in [0, 1], got {probability}.");
        Probability = probability;
    }

    /// <summary>Chance that an image (or, for mixing, a batch) is transformed.</summary>
    public double Probability { get; }

    /// <summary>Mixup and CutMix blend images and labels across the batch: trainer only.</summary>
    public virtual bool MixesLabels => false;

    /// <summary>Throws when this operation cannot work on images of <paramref name="shape"/>.</summary>
    internal virtual void Check(ImageShape shape)
    {
    }

    internal abstract Tensor Apply(Tensor images, AugmentationContext context);

    /// <summary>Images whose <paramref name="selected"/> flag is set take <paramref name="changed"/>, the others stay.</summary>
    private protected static Tensor Select(Tensor selected, Tensor changed, Tensor original) => where(selected, changed, original);
}
