using System.Runtime.InteropServices;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLExtensions.Native;

/// <summary>
/// Makes glibc fill every new allocation with zeros once a network has a convolution whose channel count is not a
/// multiple of 16, because libtorch's oneDNN kernels then read padding they never wrote.
/// </summary>
/// <remarks>
/// <para>oneDNN stores activations in blocks of 16 channels (8 with AVX2 only) and pads a layer of, say, 4 or 23
/// channels up to the block. In libtorch 2.10 (TorchSharp 0.107) the backward pass of such a convolution reads that
/// padding without having written it; it multiplies it by zero weights, and whatever the reused heap memory held
/// there (an infinity or NaN bit pattern from an earlier tensor) turns the gradient into NaN. Measured with
/// <c>Benchmarks --non-finite-check</c> (plain TorchSharp, SimpleConvNet of widths 4 and 8, 100 Adam steps, 20
/// seeds): 14-18 of 20 runs went non-finite; with glibc filling new blocks (<c>glibc.malloc.perturb</c>, with zeros
/// or with 0xAA), none. Layer widths of multiples of 16 (the built-in defaults, torchvision's networks) are never
/// padded and pay nothing; networks with other widths (small custom ones, and filter-pruned ones above all) get
/// correct gradients for the cost of clearing each block glibc hands out.</para>
/// <para>This is glibc's <c>M_PERTURB</c> with the byte 0xFF: new blocks are filled with zeros, freed ones with 0xFF.
/// It is switched on once, for the rest of the process, before such a network computes anything.</para>
/// </remarks>
internal static partial class ZeroFilledAllocations
{
    /// <summary>oneDNN's widest channel block (AVX-512, float32).</summary>
    internal const int ChannelBlock = 16;

    private const int M_PERTURB = -6;
    private static int _enabled;

    internal static bool Enabled => Volatile.Read(ref _enabled) == 1;

    /// <summary>Switches zero filling on when <paramref name="network"/> has a convolution that oneDNN pads.</summary>
    internal static void EnableFor(nn.Module network)
    {
        if (Enabled || !OperatingSystem.IsLinux() || !HasPaddedConvolution(network))
            return;
        try
        {
            if (mallopt(M_PERTURB, 0xFF) != 0)
                Volatile.Write(ref _enabled, 1);
        }
        catch (EntryPointNotFoundException)
        {
        }
        catch (DllNotFoundException)
        {
        }
    }

    /// <summary>
    /// True when a convolution produces a channel count oneDNN pads (its output is the next layer's input, whose
    /// gradient the backward pass computes); the image channels going into the first one are never padded.
    /// </summary>
    internal static bool HasPaddedConvolution(nn.Module network)
        => network.modules().OfType<Conv2d>().Any(conv => conv.weight!.shape[0] % ChannelBlock != 0);

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int mallopt(int parameter, int value);
}
