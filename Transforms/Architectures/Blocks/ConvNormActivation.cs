using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MLExtensions.Architectures.Blocks;

/// <summary>
/// torchvision's <c>Conv2dNormActivation</c>: a convolution with "same" padding (<c>0</c>), a normalization (<c>1</c>)
/// and optionally an activation (<c>2</c>); the convolution has no bias unless asked, as a norm follows it.
/// </summary>
internal static class ConvNormActivation
{
    internal static Module<Tensor, Tensor> Create(long inputs, long outputs, long kernel, Func<long, Module<Tensor, Tensor>> norm,
        Func<Module<Tensor, Tensor>>? activation, long stride = 1, long groups = 1, long? padding = null, bool bias = false)
    {
        var convolution = Conv2d(inputs, outputs, kernel, stride: stride, padding: padding ?? (kernel - 1) / 2, groups: groups, bias: bias);
        return activation is null
            ? Sequential(("0", convolution), ("1", norm(outputs)))
            : Sequential(("0", convolution), ("1", norm(outputs)), ("2", activation()));
    }
}
