using MLExtensions.Cnn;
using static TorchSharp.torch;

namespace MLExtensions.Augmentation;

/// <summary>
/// Random photometric changes, each drawn per image: brightness adds δ ∈ [−b, b] to every value (so the image mean
/// moves by exactly δ); contrast scales deviations from the image mean by c ∈ [1−c, 1+c]; saturation blends with the
/// grey image by s ∈ [1−s, 1+s]; hue rotates colours around the grey axis by up to h·180°. Saturation and hue need
/// three (RGB) channels.
/// </summary>
public sealed class ColorJitterOp : AugmentationOp
{
    internal ColorJitterOp(double brightness, double contrast, double saturation, double hue, double probability) : base(probability)
    {
        if (brightness < 0 || contrast is < 0 or > 1 || saturation is < 0 or > 1 || hue is < 0 or > 0.5)
            throw new ArgumentOutOfRangeException(nameof(brightness), "Need brightness ≥ 0, contrast and saturation in [0, 1], hue in [0, 0.5].");
        (Brightness, Contrast, Saturation, Hue) = (brightness, contrast, saturation, hue);
    }

    /// <summary>b: the brightness shift δ is drawn from [−b, b] (≥ 0).</summary>
    public double Brightness { get; }

    /// <summary>c: the contrast factor is drawn from [1 − c, 1 + c], c in [0, 1].</summary>
    public double Contrast { get; }

    /// <summary>s: the saturation factor is drawn from [1 − s, 1 + s], s in [0, 1] (RGB only).</summary>
    public double Saturation { get; }

    /// <summary>h: hue rotates by up to ±h·180°, h in [0, 0.5] (RGB only).</summary>
    public double Hue { get; }

    internal override void Check(ImageShape shape)
    {
        if ((Saturation > 0 || Hue > 0) && shape.Channels != 3)
            throw new ArgumentOutOfRangeException(nameof(shape), $"Saturation and hue jitter need 3 (RGB) channels; the images are {shape}.");
    }

    internal override Tensor Apply(Tensor images, AugmentationContext context)
    {
        long n = images.shape[0];
        var x = images;
        var selected = context.Chance(n, Probability);
        if (Brightness > 0)
            x = x + context.Uniform(n, -Brightness, Brightness);
        if (Contrast > 0)
        {
            var mean = x.mean([1, 2, 3], keepdim: true);
            x = (x - mean) * context.Uniform(n, 1 - Contrast, 1 + Contrast) + mean;
        }
        if (Saturation > 0)
        {
            var grey = Grey(x);
            x = grey + (x - grey) * context.Uniform(n, 1 - Saturation, 1 + Saturation);
        }
        if (Hue > 0)
            x = RotateHue(x, context.Uniform(n, -Hue, Hue).view(n) * (2 * Math.PI));
        return Select(selected, x, images);
    }

    private static Tensor Grey(Tensor rgb)
        => (rgb[.., 0..1] * 0.299 + rgb[.., 1..2] * 0.587 + rgb[.., 2..3] * 0.114);

    // Rotation of the chroma plane in YIQ space: RGB → YIQ, rotate (I, Q) by the angle, back to RGB.
    private static Tensor RotateHue(Tensor rgb, Tensor angles)
    {
        long n = rgb.shape[0];
        using var toYiq = tensor(new float[] { 0.299f, 0.587f, 0.114f, 0.596f, -0.274f, -0.322f, 0.211f, -0.523f, 0.312f }, [3, 3]).ToDevice(rgb.device);
        var toRgb = linalg.inv(toYiq);
        var cos = angles.cos().to(ScalarType.Float32);
        var sin = angles.sin().to(ScalarType.Float32);
        var one = ones_like(cos);
        var zero = zeros_like(cos);
        var rotation = stack([one, zero, zero, zero, cos, -sin, zero, sin, cos], 1).view(n, 3, 3);
        var transform = toRgb.matmul(rotation).matmul(toYiq);
        return transform.bmm(rgb.flatten(2)).view(rgb.shape);
    }
}
