using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MLExtensions.Native;

/// <summary>
/// Makes glibc serve allocations below 4 MB from its heap, and keep up to 256 MB of freed heap, so that tensors freed
/// and allocated again every batch reuse memory instead of faulting fresh pages in.
/// </summary>
/// <remarks>
/// glibc's default mmap threshold starts at 128 kB and only rises as mmapped blocks are freed, and it trims the heap
/// as soon as 2 × that threshold lies free at its top. A small residual network's activations (0.4-3 MB per tensor
/// at batch 128) therefore kept landing on fresh mappings: on ResNet-20 at 28×28 with bfloat16, 2-4 million page
/// faults per epoch of 12,800 images and a fifth of the CPU time in the kernel. With these settings the faults drop
/// to none and an epoch takes about three quarters of the time, for about 270 MB more peak memory. Tensors of 4 MB
/// and more still get their own mapping, backed by huge pages (<see cref="HugePageTensors"/>). The settings are the
/// ones <c>GLIBC_TUNABLES=glibc.malloc.mmap_threshold=4194304:glibc.malloc.trim_threshold=268435456</c> gives, made
/// with <c>mallopt</c> so that no launch script is needed. Any malloc setting the user made (in <c>GLIBC_TUNABLES</c>
/// or <c>MALLOC_*_</c> variables) is left alone; <c>MLEXTENSIONS_HEAP_REUSE=0</c> opts out.
/// </remarks>
internal static partial class HeapReuse
{
    internal const string OptOutVariable = "MLEXTENSIONS_HEAP_REUSE";
    internal const int MmapThresholdBytes = 4 << 20;
    internal const int TrimThresholdBytes = 256 << 20;

    private const int M_TRIM_THRESHOLD = -1, M_MMAP_THRESHOLD = -3;

#pragma warning disable CA2255 // Must run before the first tensor, whichever of our types allocates it.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Enable()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable(OptOutVariable) == "0" || UserTunedMalloc())
            return;
        try
        {
            // Only a speed-up: if either call fails (not glibc), training is slower, not wrong.
            if (mallopt(M_MMAP_THRESHOLD, MmapThresholdBytes) != 0)
                mallopt(M_TRIM_THRESHOLD, TrimThresholdBytes);
        }
        catch (EntryPointNotFoundException)
        {
        }
        catch (DllNotFoundException)
        {
        }
    }

    private static bool UserTunedMalloc() =>
        (Environment.GetEnvironmentVariable("GLIBC_TUNABLES") ?? "").Contains("glibc.malloc.", StringComparison.Ordinal) ||
        Environment.GetEnvironmentVariables().Keys.Cast<string>().Any(name => name.StartsWith("MALLOC_", StringComparison.Ordinal) && name.EndsWith('_'));

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int mallopt(int parameter, int value);
}
