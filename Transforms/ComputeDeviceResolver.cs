using MLExtensions.Native;
using TorchSharp;

namespace MLExtensions;

/// <summary>Turns a <see cref="ComputeDevice"/> choice into the TorchSharp device every component uses.</summary>
public static class ComputeDeviceResolver
{
    /// <summary>True when TorchSharp sees a usable CUDA device (requires the CUDA backend build).</summary>
    public static bool IsCudaAvailable
    {
        get
        {
            TorchRuntime.EnsureAvailable();
            return torch.cuda.is_available();
        }
    }

    /// <summary>
    /// The TorchSharp device for <paramref name="device"/>: <see cref="ComputeDevice.Cuda"/> without a usable GPU
    /// throws, naming the fix.
    /// </summary>
    public static torch.Device Resolve(ComputeDevice device)
    {
        TorchRuntime.EnsureAvailable();
        return device switch
        {
            ComputeDevice.Cpu => torch.CPU,
            ComputeDevice.Auto => torch.cuda.is_available() ? torch.CUDA : torch.CPU,
            ComputeDevice.Cuda => torch.cuda.is_available() ? torch.CUDA : throw new InvalidOperationException(
                "ComputeDevice.Cuda was requested but TorchSharp sees no usable CUDA device. This build uses the " +
                "CPU libtorch backend unless built with -p:TorchBackend=cuda, and CUDA also needs an NVIDIA driver. " +
                "Use ComputeDevice.Auto to fall back to the CPU."),
            _ => throw new ArgumentOutOfRangeException(nameof(device), device, "Unknown compute device."),
        };
    }
}
