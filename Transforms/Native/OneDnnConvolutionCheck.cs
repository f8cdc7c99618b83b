using System.Runtime.InteropServices;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLExtensions.Native;

/// <summary>
/// Checks the convolutions of every network the library builds against libtorch's reference convolution, and turns
/// oneDNN off for the process once one of them computes wrongly, so that a CPU on which oneDNN fails trains slower
/// instead of training wrongly.
/// </summary>
/// <remarks>
/// <para>On an AMD EPYC of family 1Ah (Zen 5) under a hypervisor that hides the CPU's caches, libtorch 2.10's oneDNN
/// (TorchSharp 0.107) computed many convolutions wrongly: compared with float64 on 1,280 shapes (<c>Benchmarks
/// --conv-check</c>), 383 forward or backward results were off by 10-100 % of their scale with AVX-512 and 474 with
/// AVX2 alone. Every one had an input or output channel count that is not a multiple of 16; all shapes whose channel
/// counts are multiples of 16 (the built-in defaults, torchvision's networks) were right. Trainings of such networks
/// went NaN or gave different weights for one seed; libtorch's own convolution (im2col and GEMM) got all 1,280 right.
/// Turning oneDNN off for every network would cost the right ones 1.5-20× their speed on that machine (see the
/// benchmarks page in docs), so the check is per network.</para>
/// <para>A network with a channel count that is not a multiple of 16 (the image's channels aside) gets libtorch's
/// own kernels where three such shapes, checked once per process, come out wrong; their results varied with memory
/// contents, so a network's own shapes passing once proved nothing. For each other convolution shape a network has
/// (kernel, stride, padding, dilation, groups, channel counts), the check runs two small batches with oneDNN and in
/// float64 with libtorch's own kernels, forward and backward, on fixed inputs: it draws nothing from the random
/// generator, so seeds mean what they meant. Channel counts above 32 are checked as 16 plus their remainder modulo
/// 16, which keeps oneDNN's channel blocking and the check to milliseconds. The input gradient of the network's
/// first convolution is not checked: nothing computes it. The first wrong result calls libtorch's
/// <c>at::globalContext().setUserEnabledMkldnn(false)</c> (PyTorch's <c>torch.backends.mkldnn.enabled = False</c>,
/// which TorchSharp does not bind) by its exported name. The switch is process-wide and stays off: networks built
/// afterwards, whatever their widths, use libtorch's own kernels, whose results differ from oneDNN's by float
/// rounding. <c>MLEXTENSIONS_ONEDNN=on</c> keeps oneDNN without checking, <c>off</c> turns it off from the start.
/// Linux x64 only: the exported names are those of the Itanium C++ ABI.</para>
/// </remarks>
internal static class OneDnnConvolutionCheck
{
    internal const string Variable = "MLEXTENSIONS_ONEDNN";

    /// <summary>Largest accepted difference, relative to the largest reference value of the same result.</summary>
    internal const double Tolerance = 1e-3;

    // Wrong results depended on memory contents, so each shape runs on two inputs.
    private const int Variants = 2;
    private static readonly object Gate = new();
    private static readonly HashSet<ConvolutionShape> Checked = [];

    // Whether a shape comes out right depended on memory contents, so a network's own shapes passing once does not
    // clear it: where these shapes (which went wrong in every run on the machine above) are wrong, every network with
    // an unblocked channel count gets libtorch's own kernels.
    private static readonly ConvolutionShape[] UnblockedExamples =
    [
        new(4, 8, 1, 3, 3, 1, 1, 1, 1, 1, 1, InputGradient: true),
        new(10, 10, 1, 3, 3, 1, 1, 1, 1, 1, 1, InputGradient: true),
        new(6, 10, 1, 3, 3, 2, 2, 1, 1, 1, 1, InputGradient: true),
    ];

    // Once, under load, all three came out right on two inputs each and a network of widths 4/8 then trained to NaN:
    // these tiny shapes run on more inputs (milliseconds in all).
    private const int UnblockedVariants = 8;
    private static readonly Lazy<string?> UnblockedChannelsGoWrong = new(() => FirstWrong(UnblockedExamples, UnblockedVariants));
    private static bool _userChose;

    /// <summary>What the check did, in words.</summary>
    internal static string Outcome { get; private set; } = "oneDNN convolutions not checked yet";

    /// <summary>False once the check (or the user) turned oneDNN off.</summary>
    internal static bool OneDnnEnabled { get; private set; } = true;

    private static bool Applicable => OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64;

    /// <summary>Called once libtorch is loaded: applies the user's choice, if any.</summary>
    internal static void Apply()
    {
        if (!Applicable)
        {
            Outcome = "oneDNN left as libtorch chose (the check runs on Linux x64 only)";
            return;
        }
        switch (Environment.GetEnvironmentVariable(Variable)?.Trim().ToLowerInvariant())
        {
            case "on":
                _userChose = true;
                Outcome = $"oneDNN kept without checking ({Variable}=on)";
                break;
            case "off":
                _userChose = true;
                TurnOff($"oneDNN turned off ({Variable}=off)");
                break;
        }
    }

    /// <summary>Checks the convolution shapes of <paramref name="network"/> not checked before; turns oneDNN off at the first wrong one.</summary>
    internal static void Verify(nn.Module network)
    {
        if (!Applicable || _userChose || !OneDnnEnabled)
            return;
        lock (Gate)
        {
            var shapes = ShapesOf(network);
            if (!OneDnnEnabled)
                return;
            if (shapes.FirstOrDefault(shape => shape.Unblocked) is { } unblocked && UnblockedChannelsGoWrong.Value is { } example)
            {
                TurnOff($"oneDNN turned off: on this CPU it computes convolutions whose channel counts are not a multiple of 16 wrongly ({example}), and a network being built has one ({unblocked}); libtorch's own convolutions are used from now on");
                return;
            }
            var fresh = shapes.Where(shape => !Checked.Contains(shape)).ToList();
            if (fresh.Count == 0)
                return;
            if (FirstWrong(fresh) is { } wrong)
                TurnOff($"oneDNN turned off: on this CPU it computed a convolution of a network being built wrongly ({wrong}); libtorch's own convolutions are used from now on");
            else
                Outcome = "oneDNN convolutions checked against libtorch's reference and kept";
            Checked.UnionWith(fresh);
        }
    }

    /// <summary>The convolution shapes a network has, channel counts reduced as the check runs them.</summary>
    internal static IReadOnlyList<ConvolutionShape> ShapesOf(nn.Module network)
    {
        var convolutions = network.modules().OfType<Conv2d>().ToList();
        return convolutions.Select((conv, index) => ConvolutionShape.Of(conv, inputGradient: index > 0)).Distinct().ToList();
    }

    /// <summary>The first of <paramref name="shapes"/> the current kernels get wrong, in words, or null when all agree.</summary>
    internal static string? FirstWrong(IEnumerable<ConvolutionShape> shapes, int variants = Variants)
    {
        foreach (var shape in shapes)
        for (int variant = 0; variant < variants; variant++)
        {
            var errors = shape.RelativeErrors(variant);
            int wrong = Array.FindIndex(errors, error => !(error <= Tolerance));
            if (wrong >= 0)
                return $"{shape}: {ConvolutionShape.ResultNames[wrong]} off by {errors[wrong]:P0} of its scale";
        }
        return null;
    }

    private static void TurnOff(string outcome)
    {
        try
        {
            LibTorchContext.SetOneDnnEnabled(false);
            OneDnnEnabled = false;
            Outcome = outcome;
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            Outcome = $"{outcome}, but this libtorch has no switch for it ({e.Message})";
        }
    }

    /// <summary>libtorch's own switch, as <c>torch.backends.mkldnn.enabled</c> reads it.</summary>
    internal static bool IsEnabledInLibTorch() => LibTorchContext.OneDnnEnabled();
}
