using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLExtensions.Diagnostics;

/// <summary>A network's trainable parameters seen layer by layer, as the gradient monitor and the TensorBoard logger report them.</summary>
internal static class LayerGradients
{
    /// <summary>Trainable parameters that have a gradient, grouped by the module that owns them (e.g. "features.conv1").</summary>
    internal static IEnumerable<(string Layer, Parameter[] Parameters)> Of(nn.Module network)
        => network.named_parameters()
            .Where(p => p.parameter.requires_grad && p.parameter.grad is not null)
            .GroupBy(p => p.name.Contains('.') ? p.name[..p.name.LastIndexOf('.')] : p.name)
            .Select(g => (g.Key, g.Select(p => p.parameter).ToArray()));

    /// <summary>The sum of the squares of every element, in double precision.</summary>
    internal static double SquaredNorm(IEnumerable<Tensor> tensors)
        => tensors.Sum(t => { using var squares = t.detach().to(ScalarType.Float64).square().sum(); return squares.item<double>(); });
}
