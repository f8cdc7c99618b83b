using TorchSharp;

namespace MLExtensions.Native;

/// <summary>Initialises TorchSharp once, turning a failed native load into an error that says what to do.</summary>
internal static class TorchRuntime
{
    private static readonly Lazy<Exception?> Failure = new(TryInitialize);

    internal static void EnsureAvailable()
    {
        if (SupportedPlatforms.Problem(SupportedPlatforms.Current()) is { } unsupported)
            throw new PlatformNotSupportedException(unsupported);
        if (Failure.Value is { } failure)
            throw new InvalidOperationException(
                $"MLExtensions could not load TorchSharp's native libraries (LibTorchSharp and libtorch) on {SupportedPlatforms.Current()}. " +
                "Check that the application references the libtorch backend package (TorchSharp-cpu, which the MLExtensions " +
                "package brings, or TorchSharp-cuda-linux), or, built with -p:TorchBackend=external, that LD_LIBRARY_PATH names a " +
                "libtorch folder (such as a PyTorch install's torch/lib), and that a publish for one platform (-r <rid>) runs on that platform. " +
                $"Native resolver: {LibTorchSharpLoader.LastDiagnostic ?? "not consulted"}. TorchSharp said: {FirstLine(failure.Message)}",
                failure);
    }

    private static Exception? TryInitialize()
    {
        try
        {
            torch.InitializeDeviceType(DeviceType.CPU);
            NnpackSwitch.TurnOffOnLinux();
            OneDnnConvolutionCheck.Apply();
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();
}
