using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MLExtensions.Cnn;

/// <summary>Builds the activation and normalization layers a <see cref="NetworkDescription"/> asks for.</summary>
internal static class Layers
{
    internal static Module<Tensor, Tensor> Activation(ActivationKind kind) => kind switch
    {
        ActivationKind.ReLU => ReLU(),
        ActivationKind.LeakyReLU => LeakyReLU(0.01),
        ActivationKind.ELU => ELU(),
        ActivationKind.SELU => SELU(),
        ActivationKind.GELU => GELU(),
        ActivationKind.Tanh => Tanh(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown activation."),
    };

    internal static Module<Tensor, Tensor> Normalization(NormalizationKind kind, int channels, int groups) => kind switch
    {
        NormalizationKind.BatchNorm => BatchNorm2d(channels),
        NormalizationKind.GroupNorm => InitializedGroupNorm(LargestDivisorAtMost(channels, groups), channels),
        // LayerNorm over (C, H, W) of each image, independent of the spatial size.
        NormalizationKind.LayerNorm => InitializedGroupNorm(1, channels),
        NormalizationKind.InstanceNorm => InstanceNorm2d(channels, affine: true),
        NormalizationKind.None => Identity(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown normalization."),
    };

    // TorchSharp 0.107's GroupNorm allocates its affine parameters with torch.empty and never initialises them.
    private static Module<Tensor, Tensor> InitializedGroupNorm(int groups, int channels)
    {
        var norm = GroupNorm(groups, channels);
        using (no_grad())
        {
            init.ones_(norm.weight!);
            init.zeros_(norm.bias!);
        }
        return norm;
    }

    private static int LargestDivisorAtMost(int channels, int limit)
    {
        for (int g = Math.Min(channels, Math.Max(1, limit)); g > 1; g--)
            if (channels % g == 0)
                return g;
        return 1;
    }

    internal static Module<Tensor, Tensor> Conv3x3(int input, int output, int stride = 1)
        // A normalization right after makes a bias redundant.
        => Conv2d(input, output, kernel_size: 3, stride: stride, padding: 1, bias: false);

    /// <summary>torchvision's stem: 7×7 convolution with stride 2, normalization, activation, 3×3 max pooling with stride 2 (4× smaller).</summary>
    internal static Module<Tensor, Tensor> DownsamplingStem(NetworkDescription description, int output)
        => Sequential(
            ("conv", Conv2d(description.InputShape.Channels, output, kernel_size: 7, stride: 2, padding: 3, bias: false)),
            ("norm", Normalization(description.Normalization, output, description.NormalizationGroups)),
            ("act", Activation(description.Activation)),
            ("pool", MaxPool2d(kernel_size: 3, stride: 2, padding: 1)));
}
