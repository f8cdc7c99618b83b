using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MLExtensions.Architectures.Blocks;

/// <summary>
/// torchvision's squeeze-and-excitation (Hu et al. 2018; <c>torchvision.ops.SqueezeExcitation</c>, module names
/// <c>fc1</c> and <c>fc2</c>): each channel is scaled by a sigmoid gate computed from all channels' averages.
/// </summary>
internal sealed class SqueezeExcitation : Module<Tensor, Tensor>
{
    private readonly Module<Tensor, Tensor> fc1, fc2, activation;

    internal SqueezeExcitation(long channels, long squeezed, Func<Module<Tensor, Tensor>> activation) : base(nameof(SqueezeExcitation))
    {
        fc1 = Conv2d(channels, squeezed, 1);
        fc2 = Conv2d(squeezed, channels, 1);
        this.activation = activation();
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var gate = fc2.call(activation.call(fc1.call(input.mean([2, 3], keepdim: true)))).sigmoid_();
        return input.mul(gate).MoveToOuterDisposeScope();
    }
}
