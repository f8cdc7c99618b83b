using TorchSharp;
using static TorchSharp.torch;

namespace MLExtensions.Cnn;

/// <summary>Small tensors built on the host (batch indices, augmentation draws, constants) on their way to the device.</summary>
internal static class HostTensors
{
    /// <summary>
    /// <paramref name="host"/> on <paramref name="device"/>. To CUDA it goes through page-locked memory without
    /// blocking: a copy from pageable memory waits for the GPU to finish its queued work, one stall per tensor.
    /// libtorch's pinned-memory cache keeps the staging buffer until the copy is done.
    /// </summary>
    internal static Tensor ToDevice(this Tensor host, Device device)
    {
        if (device.type != DeviceType.CUDA || host.device_type != DeviceType.CPU)
            return host.to(device);
        using var pinned = host.pin_memory();
        return pinned.to(device, non_blocking: true);
    }
}
