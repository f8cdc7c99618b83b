using System.Runtime.InteropServices;
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
    /// Why CUDA cannot be used, in a sentence that names the fix; null when it can. <see cref="ComputeDevice.Auto"/>
    /// logs this when it falls back to the CPU.
    /// </summary>
    public static string? CudaUnavailableReason
    {
        get
        {
            if (IsCudaAvailable)
                return null;
            if (!CudaLibraryLoads(out var loadError))
                return "libtorch_cuda could not be loaded: the libtorch in use is CPU-only (the default TorchSharp-cpu backend, or an external libtorch without CUDA). " +
                       "For NVIDIA GPUs build with -p:TorchBackend=cuda, or -p:TorchBackend=external with a CUDA libtorch on LD_LIBRARY_PATH " +
                       $"(see docs/guides/gpu.md). The loader said: {loadError}";
            return "libtorch_cuda loaded, but it sees no CUDA device: check the NVIDIA driver (nvidia-smi) and CUDA_VISIBLE_DEVICES.";
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
                $"ComputeDevice.Cuda was requested, but TorchSharp sees no usable CUDA device: {CudaUnavailableReason} " +
                "Use ComputeDevice.Auto to fall back to the CPU."),
            _ => throw new ArgumentOutOfRangeException(nameof(device), device, "Unknown compute device."),
        };
    }

    // TorchSharp loads libtorch_cuda by name when it can (the loader's path: LD_LIBRARY_PATH, the app folder) and ignores failure.
    private static bool CudaLibraryLoads(out string error)
    {
        string name = OperatingSystem.IsWindows() ? "torch_cuda.dll" : "libtorch_cuda.so";
        try
        {
            NativeLibrary.Load(name, typeof(torch).Assembly, null);
            error = "";
            return true;
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
        {
            error = e.Message.Split('\n', 2)[0].Split(" In order to help diagnose", 2)[0].Trim();
            return false;
        }
    }
}
