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

    internal static MemoryImageStore OfFloats(ImageShape shape, float[] values, int count) => Of(shape, from_array(values), bytes: false, count);

    internal static MemoryImageStore OfBytes(ImageShape shape, byte[] values, int count) => Of(shape, from_array(values), bytes: true, count);

    // The array may be longer than the rows read into it; only the first count rows are images.
    private static MemoryImageStore Of(ImageShape shape, Tensor flat, bool bytes, int count)
    {
        var format = ImageRowFormat.For(shape, bytes);
        using var whole = flat;
        var rows = whole.narrow(0, 0, (long)count * format.Values)
            .view(count, format.StoredChannels, shape.Height, shape.Width).DetachFromDisposeScope();
        return new MemoryImageStore(shape, format, count, rows);
    }

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

    protected override void Release()
    {
        if (_onDevice is not null && !ReferenceEquals(_onDevice, _onCpu))
            _onDevice.Dispose();
        _onCpu.Dispose();
    }
}
