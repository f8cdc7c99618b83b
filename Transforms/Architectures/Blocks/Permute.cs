using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MLExtensions.Architectures.Blocks;

/// <summary>torchvision's <c>Permute</c>: reorders a tensor's dimensions (ConvNeXt moves channels last around its layer norm).</summary>
internal sealed class Permute(params long[] order) : Module<Tensor, Tensor>(nameof(Permute))
{
    public override Tensor forward(Tensor input) => input.permute(order);
}
