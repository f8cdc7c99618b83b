using MLExtensions;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Benchmarks;

/// <summary>
/// Counts a network's multiply-adds per image: every convolution's and linear layer's output values times the inputs
/// each one sums (the weight's size per output channel). Normalisation, activations, pooling and the optimizer are
/// left out: they are a few per cent of the arithmetic in these networks.
/// </summary>
internal static class MultiplyAdds
{
    /// <summary>Multiply-adds of the forward pass of one image of <paramref name="shape"/> (training costs about three times that).</summary>
    internal static long PerImage(nn.Module<Tensor, Tensor> network, ImageShape shape)
    {
        long total = 0;
        var removers = new List<Action>();
        foreach (var module in network.modules())
            if (module is Conv2d conv)
            {
                var hook = conv.register_forward_hook((_, _, output) => { total += output.numel() * (conv.weight!.numel() / conv.weight.shape[0]); return null!; });
                removers.Add(hook.remove);
            }
            else if (module is Linear linear)
            {
                var hook = linear.register_forward_hook((_, _, output) => { total += output.numel() * linear.weight!.shape[1]; return null!; });
                removers.Add(hook.remove);
            }
        bool training = network.training;
        network.eval();
        try
        {
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            var device = network.parameters().First().device;
            network.forward(zeros([1, shape.Channels, shape.Height, shape.Width], device: device));
            return total;
        }
        finally
        {
            removers.ForEach(remove => remove());
            network.train(training);
        }
    }
}
