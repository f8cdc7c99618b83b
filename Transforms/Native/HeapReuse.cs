using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MLExtensions.Native;

/// <summary>
/// Makes glibc serve every allocation from its heap instead of fresh mappings, and keep up to 1 GB of freed heap,
/// so that the tensors training frees and allocates again every batch reuse memory instead of faulting new pages in.
/// </summary>
/// <remarks>
/// <para>glibc gives blocks above its mmap threshold a mapping of their own, returned to the kernel when freed, and
/// trims the top of its heap once more than the trim threshold lies free there. By default both thresholds move
/// (mmap from 128 kB up to at most 32 MB, trim at twice that), so a training step's activations were faulted in
/// again, 4 kB at a time, every step: Fashion-MNIST's SimpleConvNet (12.8 MB activations at batch 128) took about
/// 5,000 page faults a step, ResNet-20 with bfloat16 38,000, torchvision's ResNet-18 at 224×224 35,000 (its
/// activations are far above 32 MB, which no threshold can reach). Serving everything from the heap
/// (<c>M_MMAP_MAX</c> 0) and keeping 1 GB of it (<c>M_TRIM_THRESHOLD</c>) leaves a few hundred faults a step and
/// trains 1.2-3× faster; the price is the memory glibc keeps for the next step (see the benchmarks page in docs).
/// The earlier setting of this class, a fixed 4 MB mmap threshold, sent SimpleConvNet's large activations to fresh
/// mappings every step and made it slower than glibc's defaults.</para>
/// <para>The settings are those of <c>GLIBC_TUNABLES=glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=1073741824</c>,
/// made with <c>mallopt</c> so that no launch script is needed. Any malloc setting the user made (in
/// <c>GLIBC_TUNABLES</c> or <c>MALLOC_*_</c> variables) is left alone; <c>MLEXTENSIONS_HEAP_REUSE=0</c> opts out.</para>
/// </remarks>
internal static partial class HeapReuse
{
    internal const string OptOutVariable = "MLEXTENSIONS_HEAP_REUSE";
    internal const int TrimThresholdBytes = 1 << 30;

    /// <summary>The same settings as glibc tunables, for a user who prefers to set them at launch.</summary>
    internal const string EquivalentTunables = "glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=1073741824";

    private const int M_TRIM_THRESHOLD = -1, M_MMAP_MAX = -4;

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
            if (mallopt(M_MMAP_MAX, 0) != 0)
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
