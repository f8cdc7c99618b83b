using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MLExtensions.Architectures.Blocks;

/// <summary>
/// Stochastic depth (Huang et al. 2016) as torchvision's "row" mode: while training, a residual branch's output is
/// zeroed for each image with probability <c>p</c> and scaled by 1/(1 − p) otherwise, so that the block is skipped for
/// that image; at prediction it passes unchanged. The families that have it give each block its own <c>p</c> with
/// <see cref="Probability"/>.
/// </summary>
internal sealed class StochasticDepth : Module<Tensor, Tensor>
{
    private readonly double _probability;

    internal StochasticDepth(double probability) : base(nameof(StochasticDepth))
    {
        if (probability is < 0 or >= 1 || double.IsNaN(probability))
            throw new ArgumentOutOfRangeException(nameof(probability), probability, "A stochastic-depth probability is in [0, 1).");
        _probability = probability;
    }

    public override Tensor forward(Tensor branch)
    {
        if (!training || _probability == 0)
            return branch.alias();
        using var scope = NewDisposeScope();
        double survival = 1 - _probability;
        var keep = empty([branch.shape[0], .. Enumerable.Repeat(1L, (int)branch.dim() - 1)], dtype: branch.dtype, device: branch.device)
            .bernoulli_(survival).div_(survival);
        return branch.mul(keep).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Each block's probability when the deepest gets <paramref name="deepest"/>: block i of n gets
    /// deepest·i/<paramref name="divisor"/> (torchvision divides by n for EfficientNet and by n − 1 for ConvNeXt).
    /// </summary>
    internal static double Probability(double deepest, int block, double divisor) => deepest * block / divisor;
}
