namespace MLExtensions.Augmentation;

/// <summary>
/// A random rotation, translation, zoom and shear in one resampling step (bilinear; uncovered pixels are zero or
/// reflected). Each magnitude is drawn uniformly per image from its symmetric range.
/// </summary>
public sealed class AffineOp : AugmentationOp
{
    internal AffineOp(double rotationDegrees, double translateFraction, double minScale, double maxScale, double shearDegrees,
        AugmentationPadding padding, double probability) : base(probability)
    {
        if (rotationDegrees < 0 || translateFraction is < 0 or > 1 || shearDegrees is < 0 or >= 90)
            throw new ArgumentOutOfRangeException(nameof(rotationDegrees), "Rotation and shear are non-negative degrees (shear below 90) and translation a fraction in [0, 1].");
        if (minScale <= 0 || maxScale < minScale)
            throw new ArgumentOutOfRangeException(nameof(minScale), $"Scales must satisfy 0 < minScale ≤ maxScale, got [{minScale}, {maxScale}].");
        (RotationDegrees, TranslateFraction, MinScale, MaxScale, ShearDegrees, Padding) =
            (rotationDegrees, translateFraction, minScale, maxScale, shearDegrees, padding);
    }

    /// <summary>Largest rotation either way, in degrees (≥ 0).</summary>
    public double RotationDegrees { get; }

    /// <summary>Largest shift either way, as a fraction of the image size, in [0, 1].</summary>
    public double TranslateFraction { get; }

    /// <summary>Smallest zoom factor (> 0; below 1 shrinks).</summary>
    public double MinScale { get; }

    /// <summary>Largest zoom factor (≥ <see cref="MinScale"/>; above 1 enlarges).</summary>
    public double MaxScale { get; }

    /// <summary>Largest shear either way, in degrees, in [0, 90).</summary>
    public double ShearDegrees { get; }

    /// <summary>How pixels moved in from outside the image are filled.</summary>
    public AugmentationPadding Padding { get; }

    internal override TorchSharp.torch.Tensor Apply(TorchSharp.torch.Tensor images, AugmentationContext context)
    {
        double aspect = (double)images.shape[3] / images.shape[2];
        var random = context.Random;
        double Symmetric(double range) => (2 * random.NextDouble() - 1) * range;
        float[] Draw()
        {
            double angle = Symmetric(RotationDegrees) * Math.PI / 180, shear = Math.Tan(Symmetric(ShearDegrees) * Math.PI / 180);
            double scale = MinScale + random.NextDouble() * (MaxScale - MinScale);
            double tx = Symmetric(TranslateFraction) * 2, ty = Symmetric(TranslateFraction) * 2;
            // Pixel-space map (output → input): rotate, shear, then shrink by the zoom; expressed in normalised
            // coordinates, off-diagonal terms are corrected for the aspect ratio.
            double cos = Math.Cos(angle) / scale, sin = Math.Sin(angle) / scale;
            double a00 = cos, a01 = cos * shear - sin, a10 = sin, a11 = sin * shear + cos;
            return [(float)a00, (float)(a01 / aspect), (float)tx, (float)(a10 * aspect), (float)a11, (float)ty];
        }
        return AffineWarp.ApplyPerImage(images, Probability, random, Draw, Padding);
    }
}
