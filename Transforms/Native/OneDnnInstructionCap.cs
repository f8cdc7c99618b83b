using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace MLExtensions.Native;

/// <summary>
/// Keeps oneDNN (libtorch's convolution library) to its AVX2 kernels on AMD family 1Ah processors (Zen 5), where
/// its AVX-512 kernels gave non-finite and irreproducible gradients.
/// </summary>
/// <remarks>
/// <para>Measured on this project's 2-core AMD EPYC (family 26) with TorchSharp 0.107's libtorch 2.10, the same code
/// whose tests all pass on the AVX-512 machines it ran on before: with oneDNN free to use AVX-512, 104 of 331 tests
/// failed, nearly all with a NaN training loss, and plain TorchSharp trainings of a SimpleConvNet of widths 4 and 8
/// went non-finite in 14-18 of 20 seeds (<c>Benchmarks --non-finite-check</c>); every AVX-512 level failed
/// (<c>AVX512_CORE</c>, <c>_VNNI</c>, <c>_BF16</c>). Zero-filled allocations (<see cref="ZeroFilledAllocations"/>)
/// removed the NaNs but not the irreproducibility: the same seed gave different weights. With <c>DNNL_MAX_CPU_ISA</c>
/// at an AVX2 level, both were gone. The library chooses correct over fast: the cost is oneDNN's AVX-512 speed, and
/// bfloat16 convolutions (<c>MixedPrecision</c>) that are no longer faster than float32 there.</para>
/// <para>oneDNN reads the variable once, at its first kernel, with getenv, so it is set in the native environment
/// (like <see cref="HugePageTensors"/>) before any tensor exists. A value the user set is left alone: set
/// <c>DNNL_MAX_CPU_ISA=ALL</c> to give oneDNN every instruction set again.</para>
/// </remarks>
internal static partial class OneDnnInstructionCap
{
    internal const string Variable = "DNNL_MAX_CPU_ISA";

    /// <summary>AVX2 with VNNI (and the bfloat16 conversions where a CPU has them).</summary>
    internal const string Cap = "AVX2_VNNI_2";

    private const int Zen5Family = 0x1A;

#pragma warning disable CA2255 // Must run before oneDNN's first kernel, whichever of our types starts libtorch.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Apply()
    {
        if (!OperatingSystem.IsLinux() || !IsAffected() || Environment.GetEnvironmentVariable(Variable) is not null)
            return;
        if (setenv(Variable, Cap, overwrite: 0) == 0)
            Environment.SetEnvironmentVariable(Variable, Cap);
    }

    /// <summary>True on an AMD processor of family 1Ah.</summary>
    internal static bool IsAffected()
    {
        if (!X86Base.IsSupported)
            return false;
        var (_, ebx, ecx, edx) = X86Base.CpuId(0, 0);
        bool amd = ebx == 0x68747541 && edx == 0x69746e65 && ecx == 0x444d4163; // "AuthenticAMD"
        return amd && Family(X86Base.CpuId(1, 0).Eax) == Zen5Family;
    }

    // The displayed family: the base family, plus the extended family when the base is 0Fh.
    internal static int Family(int signature)
    {
        int baseFamily = (signature >> 8) & 0xF;
        return baseFamily == 0xF ? baseFamily + ((signature >> 20) & 0xFF) : baseFamily;
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int setenv(string name, string value, int overwrite);
}
