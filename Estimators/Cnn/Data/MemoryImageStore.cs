using MLExtensions.Images;
using TorchSharp;
using static TorchSharp.torch;

namespace MLExtensions.Cnn;

/// <summary>
/// Images held in one CPU tensor (floats, or bytes for 8-bit sources, 4× smaller), moved once to the training device;
/// a batch is an index selection there, converted to floats on the device.
/// </summary>
internal sealed class MemoryImageStore : ImageStore
{
    private readonly Tensor _onCpu;
    private Tensor? _onDevice;

    /// <param name="onCpu">The rows, count × stored channels × H × W; the store owns this handle.</param>
    internal MemoryImageStore(ImageShape shape, ImageRowFormat format, int count, Tensor onCpu) : base(shape, format, count)
        => _onCpu = onCpu;

    public override string Description => $"in memory as {Format} ({Count * Format.RowBytes / 1e6:F0} MB)";

    internal override Tensor Load(long[] rows, Tensor? fetched, Device device)
    {
        var stored = OnDevice(device).index_select(0, tensor(rows).ToDevice(device));
        return ToNetworkInput(stored);
    }

    private Tensor OnDevice(Device device)
    {
        if (_onDevice is null || _onDevice.device != device)
        {
            if (_onDevice is not null && !ReferenceEquals(_onDevice, _onCpu))
                _onDevice.Dispose();
            _onDevice = device.type == DeviceType.CPU ? _onCpu : _onCpu.to(device).DetachFromDisposeScope();
        }
        return _onDevice;
    }

    protected override void Release()
    {
        if (_onDevice is not null && !ReferenceEquals(_onDevice, _onCpu))
            _onDevice.Dispose();
        _onCpu.Dispose();
    }
}
