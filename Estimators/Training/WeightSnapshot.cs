using static TorchSharp.torch;

namespace MLExtensions;

/// <summary>
/// A copy of a network's weights and buffers (its state dict) taken during training, e.g. the best epoch's, which
/// <see cref="TrainingState.RestoreWeights"/> can put back. Dispose it when it is no longer needed.
/// </summary>
public sealed class WeightSnapshot : IDisposable
{
    private readonly Dictionary<string, Tensor> _tensors;

    internal WeightSnapshot(Dictionary<string, Tensor> tensors, int epoch)
    {
        _tensors = tensors;
        Epoch = epoch;
    }

    /// <summary>Completed epochs when it was taken (0: the weights training started from).</summary>
    public int Epoch { get; }

    /// <summary>The copied tensors by state-dict name (owned by the snapshot: disposed with it).</summary>
    public IReadOnlyDictionary<string, Tensor> Tensors => _tensors;

    internal Dictionary<string, Tensor> Dictionary => _tensors;

    /// <summary>
    /// Copies of <paramref name="weights"/>, detached from autograd and from any dispose scope, on
    /// <paramref name="device"/> (their own device when null).
    /// </summary>
    internal static WeightSnapshot Of(IEnumerable<KeyValuePair<string, Tensor>> weights, int epoch, Device? device = null)
        => new(weights.ToDictionary(w => w.Key, w => Copy(w.Value, device)), epoch);

    private static Tensor Copy(Tensor tensor, Device? device)
    {
        using var detached = tensor.detach();
        var copy = device is null ? detached.clone() : detached.to(device, copy: true);
        return copy.DetachFromDisposeScope();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var tensor in _tensors.Values)
            tensor.Dispose();
        _tensors.Clear();
    }
}
