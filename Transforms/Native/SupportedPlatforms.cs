using System.Runtime.InteropServices;

namespace MLExtensions.Native;

/// <summary>The platforms TorchSharp ships libtorch for, checked before the first native call.</summary>
internal static class SupportedPlatforms
{
    /// <summary>TorchSharp-cpu 0.107.0's libtorch 2.10.0 packages; the CUDA build (TorchSharp-cuda-linux) is linux-x64 only.</summary>
    internal static readonly IReadOnlyList<string> RuntimeIdentifiers = ["linux-x64", "win-x64", "osx-arm64"];

    /// <summary>The running process's platform as a runtime identifier (linux-x64, osx-x64, …).</summary>
    internal static string Current() => Describe(CurrentOperatingSystem(), RuntimeInformation.ProcessArchitecture);

    internal static string Describe(string operatingSystem, Architecture architecture) =>
        $"{operatingSystem}-{architecture.ToString().ToLowerInvariant()}";

    /// <summary>Null when supported, otherwise the error to raise, naming the supported platforms.</summary>
    internal static string? Problem(string runtimeIdentifier) =>
        RuntimeIdentifiers.Contains(runtimeIdentifier)
            ? null
            : $"MLExtensions runs where TorchSharp ships libtorch: {string.Join(", ", RuntimeIdentifiers)} " +
              $"(CPU, package TorchSharp-cpu 0.107.0; CUDA on linux-x64). This process runs on {runtimeIdentifier}. " +
              "On an Intel Mac or ARM Linux, run the app on one of those platforms (for example in a linux-x64 " +
              "container); a model zip trained on any of them loads on the others.";

    private static string CurrentOperatingSystem() =>
        OperatingSystem.IsLinux() ? "linux"
        : OperatingSystem.IsWindows() ? "win"
        : OperatingSystem.IsMacOS() ? "osx"
        : RuntimeInformation.OSDescription;
}
