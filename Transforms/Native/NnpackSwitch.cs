using System.Runtime.InteropServices;

namespace MLExtensions.Native;

/// <summary>
/// Turns off libtorch's NNPACK convolutions on linux-x64, where they are never the fastest choice but can fill the
/// log: on a CPU whose caches NNPACK cannot read (common under hypervisors), libtorch tries to initialise NNPACK and
/// writes "Could not initialize NNPACK! Reason: Unsupported hardware." to stderr for every small convolution, so a
/// service scoring one image per request logged a line per convolution per prediction (SimpleConvNet: 100 lines for
/// 50 predictions on this project's machine).
/// </summary>
/// <remarks>
/// libtorch picks oneDNN (always built into the linux-x64 libtorch) for every convolution NNPACK could take (batches of
/// 16 and more), so switching NNPACK off changes no kernel; it only skips the failed initialisation. TorchSharp has no
/// binding for the switch (PyTorch's <c>torch.backends.nnpack.set_flags</c>), so this calls libtorch's
/// <c>at::globalContext().setUserEnabledNNPACK(false)</c> by its exported C++ name. Other platforms are left as they
/// are: Windows builds have no NNPACK, and on macOS arm64 it may be the convolution libtorch picks.
/// </remarks>
internal static class NnpackSwitch
{
    /// <summary>Called once libtorch is loaded; a libtorch without the symbols is left as it is.</summary>
    internal static void TurnOffOnLinux()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
            return;
        try
        {
            LibTorchContext.SetNnpackEnabled(false);
        }
        catch (EntryPointNotFoundException)
        {
        }
        catch (DllNotFoundException)
        {
        }
    }

    /// <summary>libtorch's own switch, as <c>torch.backends.nnpack.enabled</c> reads it.</summary>
    internal static bool IsEnabled() => LibTorchContext.NnpackEnabled();
}
