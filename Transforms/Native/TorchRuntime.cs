using TorchSharp;

namespace MLExtensions.Native;

/// <summary>Initialises TorchSharp once, turning a failed native load into an error that says what to do.</summary>
internal static class TorchRuntime
{
    private static readonly Lazy<Exception?> Failure = new(TryInitialize);

    internal static void EnsureAvailable()
    {
        if (Failure.Value is { } failure)
            throw new InvalidOperationException(
                "MLExtensions could not load TorchSharp's native libraries (libLibTorchSharp.so and libtorch). " +
                $"Check that the application references the libtorch backend package (libtorch-cpu-linux-x64 or TorchSharp-cuda-linux). " +
                $"Native resolver: {LibTorchSharpLoader.LastDiagnostic ?? "not consulted"}. TorchSharp said: {FirstLine(failure.Message)}",
                failure);
    }

    private static Exception? TryInitialize()
    {
        try
        {
            torch.InitializeDeviceType(DeviceType.CPU);
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();
}
