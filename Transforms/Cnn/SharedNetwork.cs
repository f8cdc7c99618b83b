using static TorchSharp.torch;

namespace MLExtensions.Cnn;

/// <summary>
/// A network's native memory shared by the transformers that score with it (a model and its test-time-augmentation
/// views): released when the last of them is disposed.
/// </summary>
internal sealed class SharedNetwork(nn.Module<Tensor, Tensor> module)
{
    private readonly object _gate = new();
    private int _holders = 1;

    public nn.Module<Tensor, Tensor> Module { get; } = module;

    public SharedNetwork Acquire()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_holders == 0, this);
            _holders++;
            return this;
        }
    }

    public void Release()
    {
        lock (_gate)
        {
            if (_holders == 0 || --_holders > 0)
                return;
        }
        Module.Dispose();
    }
}
