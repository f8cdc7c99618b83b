using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.init;

namespace MLExtensions.Cnn;

/// <summary>Initialises convolution and linear layers (weights by the chosen scheme, biases at zero).</summary>
internal static class WeightInitializer
{
    internal static void Apply(nn.Module module, WeightInitialization scheme, ActivationKind activation, bool zeroLastLayer)
    {
        using var noGrad = no_grad();
        Linear? last = null;
        foreach (var (_, layer) in module.named_modules())
        {
            var (weight, bias) = layer switch
            {
                Conv2d conv => (conv.weight, conv.bias),
                Linear linear => (linear.weight, linear.bias),
                _ => (null, null),
            };
            if (weight is null)
                continue;
            if (scheme == WeightInitialization.Kaiming)
                kaiming_normal_(weight, a: activation == ActivationKind.LeakyReLU ? 0.01 : 0, mode: FanInOut.FanIn,
                    nonlinearity: activation == ActivationKind.LeakyReLU ? NonlinearityType.LeakyReLU : NonlinearityType.ReLU);
            else
                xavier_uniform_(weight, gain: activation == ActivationKind.Tanh ? calculate_gain(NonlinearityType.Tanh) : 1.0);
            if (bias is not null)
                zeros_(bias);
            if (layer is Linear linearLayer)
                last = linearLayer;
        }
        if (zeroLastLayer && last is not null)
        {
            zeros_(last.weight!);
            if (last.bias is not null)
                zeros_(last.bias);
        }
    }
}
