using static TorchSharp.torch;

namespace MLExtensions.Architectures.Blocks;

/// <summary>
/// PyTorch's <c>nn.init.trunc_normal_</c> (TorchSharp has none): a normal distribution cut to [low,
/// high], drawn by inverting the normal CDF on a uniform draw between the bounds' CDF values.
/// </summary>
internal static class TruncatedNormal
{
    internal static void Fill(Tensor tensor, double mean = 0, double std = 1, double low = -2, double high = 2)
    {
        using var noGrad = no_grad();
        using var bounds = special.erf(TorchSharp.torch.tensor(new[] { (low - mean) / std, (high - mean) / std }, dtype: ScalarType.Float64) / Math.Sqrt(2));
        var (lower, upper) = (bounds.data<double>()[0], bounds.data<double>()[1]);
        tensor.uniform_(lower, upper).erfinv_().mul_(std * Math.Sqrt(2)).add_(mean).clamp_(low, high);
    }
}
