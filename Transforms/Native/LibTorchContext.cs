using System.Runtime.InteropServices;

namespace MLExtensions.Native;

/// <summary>
/// libtorch's global backend switches (<c>at::globalContext()</c>), which TorchSharp does not bind, called by their
/// exported C++ names (Itanium ABI: Linux and macOS builds of libtorch).
/// </summary>
internal static partial class LibTorchContext
{
    private const string TorchCpu = "torch_cpu";

    /// <summary>PyTorch's <c>torch.backends.nnpack.set_flags</c>.</summary>
    internal static void SetNnpackEnabled(bool enabled) => SetUserEnabledNnpack(GlobalContext(), enabled);

    /// <summary>PyTorch's <c>torch.backends.nnpack.enabled</c>.</summary>
    internal static bool NnpackEnabled() => UserEnabledNnpack(GlobalContext());

    /// <summary>PyTorch's <c>torch.backends.mkldnn.enabled = enabled</c>: oneDNN's kernels.</summary>
    internal static void SetOneDnnEnabled(bool enabled) => SetUserEnabledMkldnn(GlobalContext(), enabled);

    /// <summary>PyTorch's <c>torch.backends.mkldnn.enabled</c>.</summary>
    internal static bool OneDnnEnabled() => UserEnabledMkldnn(GlobalContext());

    [LibraryImport(TorchCpu, EntryPoint = "_ZN2at13globalContextEv")]
    private static partial IntPtr GlobalContext();

    [LibraryImport(TorchCpu, EntryPoint = "_ZN2at7Context20setUserEnabledNNPACKEb")]
    private static partial void SetUserEnabledNnpack(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool enabled);

    [LibraryImport(TorchCpu, EntryPoint = "_ZNK2at7Context17userEnabledNNPACKEv")]
    [return: MarshalAs(UnmanagedType.U1)]
    private static partial bool UserEnabledNnpack(IntPtr context);

    [LibraryImport(TorchCpu, EntryPoint = "_ZN2at7Context20setUserEnabledMkldnnEb")]
    private static partial void SetUserEnabledMkldnn(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool enabled);

    [LibraryImport(TorchCpu, EntryPoint = "_ZNK2at7Context17userEnabledMkldnnEv")]
    [return: MarshalAs(UnmanagedType.U1)]
    private static partial bool UserEnabledMkldnn(IntPtr context);
}
