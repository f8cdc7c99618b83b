using static TorchSharp.torch;

namespace MLExtensions.Augmentation;

/// <summary>
/// Mixup (blend whole images) or CutMix (paste a box of another image) across a shuffled copy of the batch, with
/// λ ~ Beta(α, α); the label distributions are blended by the same proportion. Applied by the trainer only.
/// </summary>
public sealed class MixOp : AugmentationOp
{
    internal MixOp(bool cutMix, double alpha, double probability) : base(probability)
    {
        if (alpha <= 0)
            throw new ArgumentOutOfRangeException(nameof(alpha), $"Alpha must be positive, got {alpha}.");
        CutMix = cutMix;
        Alpha = alpha;
    }

    /// <summary>True for CutMix (paste a box), false for Mixup (blend whole images).</summary>
    public bool CutMix { get; }

    /// <summary>
    /// α of the Beta(α, α) distribution the mixing proportion is drawn from (> 0; small α mixes little).
    /// </summary>
    public double Alpha { get; }

    /// <inheritdoc />
    public override bool MixesLabels => true;

    internal override Tensor Apply(Tensor images, AugmentationContext context) => Mix(images, null, context).Images;

    /// <summary>Mixes images and (when given) soft targets [N,K] with the same partner and proportion.</summary>
    internal (Tensor Images, Tensor? Targets) Mix(Tensor images, Tensor? targets, AugmentationContext context)
    {
        if (context.Random.NextDouble() >= Probability)
            return (images, targets);
        long n = images.shape[0], height = images.shape[2], width = images.shape[3];
        double lambda = SampleBeta(context.Random, Alpha);
        var partner = context.Permutation(n);
        var other = images.index_select(0, partner);
        Tensor mixed;
        if (CutMix)
        {
            double cut = Math.Sqrt(1 - lambda);
            long h = (long)Math.Round(height * cut), w = (long)Math.Round(width * cut);
            long top = context.Random.NextInt64(height - h + 1), left = context.Random.NextInt64(width - w + 1);
            var boxes = new long[n * 4];
            for (long i = 0; i < n; i++)
                (boxes[4 * i], boxes[4 * i + 1], boxes[4 * i + 2], boxes[4 * i + 3]) = (top, top + h, left, left + w);
            mixed = where(RandomErasingOp.BoxMask(boxes, n, height, width, images.device), other, images);
            lambda = 1 - (double)(h * w) / (height * width); // the proportion actually kept
        }
        else
            mixed = images * lambda + other * (1 - lambda);
        var mixedTargets = targets is null ? null : targets * lambda + targets.index_select(0, partner) * (1 - lambda);
        return (mixed, mixedTargets);
    }

    // Beta(α, α) from two Gamma(α) draws (Marsaglia and Tsang; boosted for α < 1).
    private static double SampleBeta(Random random, double alpha)
    {
        double x = SampleGamma(random, alpha), y = SampleGamma(random, alpha);
        return x / (x + y);
    }

    private static double SampleGamma(Random random, double shape)
    {
        if (shape < 1)
            return SampleGamma(random, shape + 1) * Math.Pow(random.NextDouble(), 1 / shape);
        double d = shape - 1.0 / 3, c = 1 / Math.Sqrt(9 * d);
        while (true)
        {
            double x, v;
            do
            {
                x = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
                v = 1 + c * x;
            } while (v <= 0);
            v = v * v * v;
            double u = random.NextDouble();
            if (Math.Log(u) < 0.5 * x * x + d - d * v + d * Math.Log(v))
                return d * v;
        }
    }
}
