using MLExtensions.Cnn;
using static TorchSharp.torch;

namespace MLExtensions.Augmentation;

/// <summary>
/// RandAugment: every image gets <see cref="Count"/> operations chosen uniformly (independently per image) from
/// identity, rotation, translation, shear, brightness, contrast, cutout and noise, all at one magnitude
/// (0 = no change, 10 = strongest: ±30°, ±30 % shift, ±30° shear, ±0.5 brightness, ×[0.1, 1.9] contrast,
/// a 25 % cutout, noise of standard deviation 0.1).
/// </summary>
public sealed class RandAugmentOp : AugmentationOp
{
    private readonly AugmentationOp?[] _candidates;

    internal RandAugmentOp(int count, int magnitude) : base(1)
    {
        if (count < 1 || magnitude is < 0 or > 10)
            throw new ArgumentOutOfRangeException(nameof(count), $"RandAugment needs at least one operation and a magnitude in [0, 10], got {count} and {magnitude}.");
        Count = count;
        Magnitude = magnitude;
        double f = magnitude / 10.0;
        _candidates =
        [
            null,
            new AffineOp(30 * f, 0, 1, 1, 0, AugmentationPadding.Zero, 1),
            new AffineOp(0, 0.3 * f, 1, 1, 0, AugmentationPadding.Zero, 1),
            new AffineOp(0, 0, 1, 1, 30 * f, AugmentationPadding.Zero, 1),
            new ColorJitterOp(0.5 * f, 0, 0, 0, 1),
            new ColorJitterOp(0, 0.9 * f, 0, 0, 1),
            magnitude == 0 ? null : new RandomErasingOp(1, 0.25 * f, 0.25 * f, 1, 1, 0),
            new GaussianNoiseOp(0.1 * f, 1),
        ];
    }

    /// <summary>Operations applied to each image (≥ 1).</summary>
    public int Count { get; }

    /// <summary>Strength of every operation, 0 (none) to 10 (strongest).</summary>
    public int Magnitude { get; }

    internal override Tensor Apply(Tensor images, AugmentationContext context)
    {
        long n = images.shape[0];
        for (int round = 0; round < Count; round++)
        {
            var choice = new long[n];
            for (long i = 0; i < n; i++)
                choice[i] = context.Random.Next(_candidates.Length);
            var chosen = tensor(choice).ToDevice(images.device).view(n, 1, 1, 1);
            for (int k = 0; k < _candidates.Length; k++)
                if (_candidates[k] is { } candidate && choice.Contains(k))
                    images = Select(chosen == k, candidate.Apply(images, context), images);
        }
        return images;
    }
}
