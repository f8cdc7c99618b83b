using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MLExtensions.Architectures.Blocks;

/// <summary>
/// torchvision's <c>LayerNorm2d</c>: a layer norm over the channels of each pixel of an [N, C, H, W] tensor, with
/// parameters <c>weight</c> and <c>bias</c> as <c>nn.LayerNorm</c> names them.
/// </summary>
internal sealed class LayerNorm2d : Module<Tensor, Tensor>
{
    private readonly long _channels;
    private readonly double _epsilon;

    internal LayerNorm2d(long channels, double epsilon) : base(nameof(LayerNorm2d))
    {
        (_channels, _epsilon) = (channels, epsilon);
        register_parameter("weight", new TorchSharp.Modules.Parameter(ones(channels)));
        register_parameter("bias", new TorchSharp.Modules.Parameter(zeros(channels)));
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var channelsLast = input.permute(0, 2, 3, 1);
        var normalized = functional.layer_norm(channelsLast, [_channels], get_parameter("weight"), get_parameter("bias"), _epsilon);
        return normalized.permute(0, 3, 1, 2).MoveToOuterDisposeScope();
    }
}
