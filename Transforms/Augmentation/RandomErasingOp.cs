using MLExtensions.Cnn;
using static TorchSharp.torch;

namespace MLExtensions.Augmentation;

/// <summary>
/// Cutout / random erasing: sets a random rectangle (area fraction in [MinArea, MaxArea], aspect ratio log-uniform in
/// [MinRatio, MaxRatio]) of every channel to <see cref="Value"/>.
/// </summary>
public sealed class RandomErasingOp : AugmentationOp
{
    internal RandomErasingOp(double probability, double minArea, double maxArea, double minRatio, double maxRatio, float value) : base(probability)
    {
        if (minArea <= 0 || maxArea > 1 || maxArea < minArea || minRatio <= 0 || maxRatio < minRatio)
            throw new ArgumentOutOfRangeException(nameof(minArea), "Need 0 < minArea ≤ maxArea ≤ 1 and 0 < minRatio ≤ maxRatio.");
        (MinArea, MaxArea, MinRatio, MaxRatio, Value) = (minArea, maxArea, minRatio, maxRatio, value);
    }

    /// <summary>Smallest erased fraction of the image area, in (0, <see cref="MaxArea"/>].</summary>
    public double MinArea { get; }

    /// <summary>Largest erased fraction of the image area, at most 1.</summary>
    public double MaxArea { get; }

    /// <summary>Smallest aspect ratio (width/height) of the rectangle, > 0.</summary>
    public double MinRatio { get; }

    /// <summary>Largest aspect ratio of the rectangle, ≥ <see cref="MinRatio"/>.</summary>
    public double MaxRatio { get; }

    /// <summary>The value written into the rectangle (0: the mean, after mean subtraction).</summary>
    public float Value { get; }

    internal override Tensor Apply(Tensor images, AugmentationContext context)
    {
        long n = images.shape[0], height = images.shape[2], width = images.shape[3];
        var box = new long[n * 4];
        var random = context.Random;
        for (long i = 0; i < n; i++)
        {
            if (random.NextDouble() >= Probability)
                continue; // an empty box: nothing erased
            double area = (MinArea + random.NextDouble() * (MaxArea - MinArea)) * height * width;
            double ratio = Math.Exp(Math.Log(MinRatio) + random.NextDouble() * (Math.Log(MaxRatio) - Math.Log(MinRatio)));
            long h = Math.Clamp((long)Math.Round(Math.Sqrt(area / ratio)), 1, height), w = Math.Clamp((long)Math.Round(Math.Sqrt(area * ratio)), 1, width);
            long top = random.NextInt64(height - h + 1), left = random.NextInt64(width - w + 1);
            (box[4 * i], box[4 * i + 1], box[4 * i + 2], box[4 * i + 3]) = (top, top + h, left, left + w);
        }
        return images.masked_fill(BoxMask(box, n, height, width, images.device), Value);
    }

    /// <summary>[N,1,H,W] mask that is true inside each image's box (top, bottom, left, right; half-open).</summary>
    internal static Tensor BoxMask(long[] boxes, long n, long height, long width, Device device)
    {
        var b = tensor(boxes, [n, 4]).ToDevice(device);
        var rows = arange(height, device: device).view(1, 1, height, 1);
        var cols = arange(width, device: device).view(1, 1, 1, width);
        var top = b[.., 0].view(n, 1, 1, 1);
        var bottom = b[.., 1].view(n, 1, 1, 1);
        var left = b[.., 2].view(n, 1, 1, 1);
        var right = b[.., 3].view(n, 1, 1, 1);
        return (rows >= top).logical_and(rows < bottom).logical_and(cols >= left).logical_and(cols < right);
    }
}
