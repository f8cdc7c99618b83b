using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLExtensions.Training;

/// <summary>
/// Mixed-precision training without autocast (TorchSharp has none): each step copies the network's float32 weights
/// into a bfloat16 shadow copy (normalization layers stay float32), runs the forward and backward passes there, and
/// hands the gradients back as float32, so the optimizer, the callbacks and the saved model see only the float32
/// network. Running statistics of normalization layers are copied back after each forward pass.
/// </summary>
internal sealed class MixedPrecisionForward : IDisposable
{
    private readonly nn.Module<Tensor, Tensor> _shadow;
    private readonly (Parameter Master, Parameter Shadow)[] _parameters;
    private readonly (Tensor Master, Tensor Shadow)[] _buffers;
    private readonly (Tensor Master, Tensor Shadow)[] _statistics;
    private readonly (nn.Module Master, nn.Module Shadow)[] _modules;

    /// <param name="network">The float32 network being trained.</param>
    /// <param name="shadow">A freshly built network of the same architecture, on the same device; it becomes the bfloat16 copy.</param>
    internal MixedPrecisionForward(nn.Module<Tensor, Tensor> network, nn.Module<Tensor, Tensor> shadow)
    {
        _shadow = shadow;
        shadow.to(ScalarType.BFloat16);
        foreach (var (_, module) in shadow.named_modules())
            if (module is NormBase or GroupNorm or LayerNorm)
                module.to(ScalarType.Float32);
        _parameters = Pair(network.named_parameters(), shadow.named_parameters(), "parameter");
        _buffers = Pair(network.named_buffers(), shadow.named_buffers(), "buffer");
        _modules = Pair(network.named_modules(), shadow.named_modules(), "module");
        _statistics = Pair(NormalizationBuffers(network), NormalizationBuffers(shadow), "normalization statistic");
    }

    /// <summary>Logits (float32) of <paramref name="inputs"/>, computed in bfloat16 with the network's current weights and modes.</summary>
    internal Tensor Forward(Tensor inputs)
    {
        CopyIn();
        var logits = _shadow.forward(inputs.to(ScalarType.BFloat16)).to(ScalarType.Float32);
        using (no_grad())
            foreach (var (master, shadow) in _statistics)
                master.copy_(shadow);
        return logits;
    }

    /// <summary>After the backward pass: the shadow's gradients, as float32, become the network's.</summary>
    internal void TakeGradients()
    {
        using var _ = no_grad();
        foreach (var (master, shadow) in _parameters)
            if (shadow.grad is { } gradient)
            {
                if (master.grad is { } existing)
                    existing.copy_(gradient);
                else
                    master.grad = gradient.to(ScalarType.Float32);
            }
    }

    private void CopyIn()
    {
        using (no_grad())
        {
            foreach (var (master, shadow) in _parameters)
            {
                shadow.copy_(master);
                shadow.requires_grad = master.requires_grad;
                shadow.grad = null;
            }
            foreach (var (master, shadow) in _buffers)
                shadow.copy_(master);
        }
        foreach (var (master, shadow) in _modules)
            if (shadow.training != master.training)
                shadow.train(master.training);
    }

    private static IEnumerable<(string, Tensor)> NormalizationBuffers(nn.Module network)
        => network.named_modules().Where(m => m.module is NormBase)
            .SelectMany(m => m.module.named_buffers(recurse: false).Select(b => ($"{m.name}.{b.name}", b.buffer)));

    private static (T Master, T Shadow)[] Pair<T>(IEnumerable<(string Name, T Value)> network, IEnumerable<(string Name, T Value)> shadow, string what)
    {
        var copies = shadow.ToDictionary(p => p.Name, p => p.Value);
        var pairs = network.Select(p => (p.Value, copies.GetValueOrDefault(p.Name))).ToArray();
        if (copies.Count != pairs.Length || pairs.Any(p => p.Item2 is null))
            throw new NotSupportedException($"MixedPrecision needs a copy of the network with the same {what}s; this network's cannot be rebuilt " +
                                            "from its description. Train it with MixedPrecision = false.");
        return pairs.Select(p => (p.Item1, p.Item2!)).ToArray();
    }

    public void Dispose() => _shadow.Dispose();
}
