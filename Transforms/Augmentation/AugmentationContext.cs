using MLExtensions.Cnn;
using MLExtensions.Randomness;
using static TorchSharp.torch;

namespace MLExtensions.Augmentation;

/// <summary>
/// The seeded randomness and target device one augmentation pass draws from. Random tensors are drawn on the CPU
/// (so a seed gives the same draws on every device) and moved to the device.
/// </summary>
internal sealed class AugmentationContext : IDisposable
{
    private readonly Generator _generator;
    private readonly ReproducibleRandom _random;

    internal AugmentationContext(long seed, Device device)
    {
        _generator = new Generator((ulong)seed);
        _random = new ReproducibleRandom(unchecked((int)(seed ^ (seed >> 32))));
        Device = device;
    }

    internal Device Device { get; }

    /// <summary>For scalar draws (per-batch mixing coefficients, per-sample crop offsets).</summary>
    internal Random Random => _random;

    /// <summary>Everything the next draws depend on, so a resumed training run augments as the interrupted one would have.</summary>
    internal (Tensor Tensors, byte[] Scalars) GetState() => (_generator.get_state(), _random.GetState());

    internal void SetState(Tensor tensors, byte[] scalars)
    {
        _generator.set_state(tensors);
        _random.SetState(scalars);
    }

    /// <summary>n values uniform in [low, high), shaped [n, 1, 1, 1] to broadcast over images.</summary>
    internal Tensor Uniform(long n, double low, double high)
        => (rand(n, generator: _generator) * (high - low) + low).view(n, 1, 1, 1).ToDevice(Device);

    /// <summary>n booleans, each true with probability p, shaped [n, 1, 1, 1].</summary>
    internal Tensor Chance(long n, double p) => (rand(n, generator: _generator) < p).view(n, 1, 1, 1).ToDevice(Device);

    internal Tensor Normal(long[] shape) => randn(shape, generator: _generator).ToDevice(Device);

    internal Tensor Permutation(long n) => randperm(n, generator: _generator).ToDevice(Device);

    public void Dispose() => _generator.Dispose();
}
