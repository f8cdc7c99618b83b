namespace MLExtensions.Augmentation;

/// <summary>
/// Crops a random region (area fraction in [MinScale, MaxScale], aspect ratio log-uniform in [MinRatio, MaxRatio])
/// and resizes it back to the full image, the ResNet/Inception recipe.
/// </summary>
public sealed class RandomResizedCropOp : AugmentationOp
{
    internal RandomResizedCropOp(double minScale, double maxScale, double minRatio, double maxRatio, double probability) : base(probability)
    {
        if (minScale <= 0 || maxScale > 1 || maxScale < minScale || minRatio <= 0 || maxRatio < minRatio)
            throw new ArgumentOutOfRangeException(nameof(minScale), "Need 0 < minScale ≤ maxScale ≤ 1 and 0 < minRatio ≤ maxRatio.");
        (MinScale, MaxScale, MinRatio, MaxRatio) = (minScale, maxScale, minRatio, maxRatio);
    }

    /// <summary>Smallest cropped fraction of the image area, in (0, <see cref="MaxScale"/>].</summary>
    public double MinScale { get; }

    /// <summary>Largest cropped fraction of the image area, at most 1.</summary>
    public double MaxScale { get; }

    /// <summary>Smallest aspect ratio (width/height) of the crop, > 0.</summary>
    public double MinRatio { get; }

    /// <summary>Largest aspect ratio of the crop, ≥ <see cref="MinRatio"/>.</summary>
    public double MaxRatio { get; }

    internal override TorchSharp.torch.Tensor Apply(TorchSharp.torch.Tensor images, AugmentationContext context)
    {
        var random = context.Random;
        float[] Draw()
        {
            double area = MinScale + random.NextDouble() * (MaxScale - MinScale);
            double ratio = Math.Exp(Math.Log(MinRatio) + random.NextDouble() * (Math.Log(MaxRatio) - Math.Log(MinRatio)));
            double w = Math.Min(1, Math.Sqrt(area * ratio)), h = Math.Min(1, Math.Sqrt(area / ratio));
            double cx = (2 * random.NextDouble() - 1) * (1 - w), cy = (2 * random.NextDouble() - 1) * (1 - h);
            return [(float)w, 0, (float)cx, 0, (float)h, (float)cy];
        }
        return AffineWarp.ApplyPerImage(images, Probability, random, Draw, AugmentationPadding.Zero);
    }
}
