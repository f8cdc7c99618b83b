using static TorchSharp.torch;

namespace MLExtensions.Augmentation;

/// <summary>
/// Pads every side by <see cref="Padding"/> pixels, then crops back to the original size at a random offset.
/// </summary>
public sealed class RandomCropOp : AugmentationOp
{
    internal RandomCropOp(int padding, AugmentationPadding mode, double probability) : base(probability)
    {
        if (padding < 0)
            throw new ArgumentOutOfRangeException(nameof(padding), $"Padding cannot be negative, got {padding}.");
        Padding = padding;
        Mode = mode;
    }

    /// <summary>Pixels added on every side before cropping back (≥ 0).</summary>
    public int Padding { get; }

    /// <summary>How the added border is filled.</summary>
    public AugmentationPadding Mode { get; }

    internal override void Check(ImageShape shape)
    {
        if (Mode == AugmentationPadding.Reflect && (Padding >= shape.Height || Padding >= shape.Width))
            throw new ArgumentOutOfRangeException(nameof(shape), $"Reflect padding of {Padding} needs images larger than {Padding} pixels; they are {shape}.");
    }

    internal override Tensor Apply(Tensor images, AugmentationContext context)
    {
        if (Padding == 0)
            return images;
        long n = images.shape[0], h = images.shape[2], w = images.shape[3];
        var padded = nn.functional.pad(images, (Padding, Padding, Padding, Padding),
            Mode == AugmentationPadding.Reflect ? TorchSharp.PaddingModes.Reflect : TorchSharp.PaddingModes.Constant);
        var crops = new Tensor[n];
        for (long i = 0; i < n; i++)
        {
            bool crop = context.Random.NextDouble() < Probability;
            int dy = crop ? context.Random.Next(2 * Padding + 1) : Padding, dx = crop ? context.Random.Next(2 * Padding + 1) : Padding;
            crops[i] = padded[i].narrow(1, dy, h).narrow(2, dx, w);
        }
        return stack(crops);
    }
}
