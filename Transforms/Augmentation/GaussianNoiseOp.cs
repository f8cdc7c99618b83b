using static TorchSharp.torch;

namespace MLExtensions.Augmentation;

/// <summary>
/// Adds independent Gaussian noise of standard deviation <see cref="StandardDeviation"/> to every value.
/// </summary>
public sealed class GaussianNoiseOp : AugmentationOp
{
    internal GaussianNoiseOp(double standardDeviation, double probability) : base(probability)
    {
        if (standardDeviation < 0)
            throw new ArgumentOutOfRangeException(nameof(standardDeviation), "The noise standard deviation cannot be negative.");
        StandardDeviation = standardDeviation;
    }

    /// <summary>Standard deviation of the noise, in the images' own units (≥ 0).</summary>
    public double StandardDeviation { get; }

    internal override Tensor Apply(Tensor images, AugmentationContext context)
        => Select(context.Chance(images.shape[0], Probability), images + context.Normal(images.shape) * StandardDeviation, images);
}
