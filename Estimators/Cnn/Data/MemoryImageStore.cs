using MLExtensions.Images;
using TorchSharp;
using static TorchSharp.torch;

namespace MLExtensions.Cnn;

/// <summary>
/// Images held in one array (floats, or bytes for 8-bit sources, 4× smaller), wrapped as a tensor without a copy and
/// moved once to the training device; a batch is an index selection there, converted to floats on the device.
/// </summary>
internal sealed class MemoryImageStore : ImageStore
{
    private readonly Tensor _onCpu;
    private Tensor? _onDevice;

    private MemoryImageStore(ImageShape shape, ImageRowFormat format, int count, Tensor onCpu) : base(shape, format, count)
        => _onCpu = onCpu;

    internal static MemoryImageStore OfFloats(ImageShape shape, float[] values, int count)
        => new(shape, ImageRowFormat.For(shape, bytes: false), count, Wrap(from_array(values), shape, ImageRowFormat.For(shape, false), count));

    internal static MemoryImageStore OfBytes(ImageShape shape, byte[] values, int count)
        => new(shape, ImageRowFormat.For(shape, bytes: true), count, Wrap(from_array(values), shape, ImageRowFormat.For(shape, true), count));

    public override string Description => $"in memory as {Format} ({Count * Format.RowBytes / 1e6:F0} MB)";

    internal override Tensor Load(long[] rows, Tensor? fetched, Device device)
    {
        var stored = OnDevice(device).index_select(0, tensor(rows).to(device));
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

    // The array may be longer than the rows read into it; only the first count rows are images.
    private static Tensor Wrap(Tensor flat, ImageShape shape, ImageRowFormat format, int count)
    {
        using var whole = flat;
        return whole.narrow(0, 0, (long)count * format.Values)
            .view(count, format.StoredChannels, shape.Height, shape.Width).DetachFromDisposeScope();
    }

    protected override void Release()
    {
        if (_onDevice is not null && !ReferenceEquals(_onDevice, _onCpu))
            _onDevice.Dispose();
        _onCpu.Dispose();
    }
}
