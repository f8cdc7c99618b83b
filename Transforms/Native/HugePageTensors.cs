using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MLExtensions.Native;

/// <summary>
/// Asks libtorch to back CPU tensors of 2 MB and more with transparent huge pages (its <c>THP_MEM_ALLOC_ENABLE</c>
/// switch), before its first allocation.
/// </summary>
/// <remarks>
/// Training frees and reallocates its large activation tensors every batch. glibc serves allocations above its mmap
/// threshold (32 MB at most) with fresh mappings, so every batch faults in its activations again, 4 KB at a time:
/// on 96×96 photos half the CPU time went to the kernel. With huge pages the same memory takes 512× fewer faults;
/// nothing else changes (same arithmetic, same results, no memory kept back). libc10 reads the switch once, with
/// getenv, at its first CPU allocation, so it must be in the native environment (which .NET's
/// <see cref="Environment.SetEnvironmentVariable(string, string)"/> does not write on Unix) before TorchSharp allocates.
/// A value the user set is left alone (set <c>THP_MEM_ALLOC_ENABLE=0</c> to opt out).
/// </remarks>
internal static partial class HugePageTensors
{
    internal const string Variable = "THP_MEM_ALLOC_ENABLE";

#pragma warning disable CA2255 // Must run before the first tensor, whichever of our types allocates it.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Enable()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable(Variable) is not null)
            return;
        if (setenv(Variable, "1", overwrite: 0) != 0)
            return; // Only a speed-up: without it training is slower, not wrong.
        Environment.SetEnvironmentVariable(Variable, "1");
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int setenv(string name, string value, int overwrite);
}
