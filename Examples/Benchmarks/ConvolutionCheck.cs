using MLExtensions.Native;
using static TorchSharp.torch;

namespace Benchmarks;

/// <summary>
/// Compares libtorch's float32 convolutions with float64 ones (libtorch's own kernels) over many shapes, forward and
/// both gradients, and lists the shapes that differ by more than 1 % of their scale: the measurement behind
/// <c>OneDnnConvolutionCheck</c>. Run it with <c>MLEXTENSIONS_ONEDNN=on</c> to see oneDNN's results (under different
/// <c>DNNL_MAX_CPU_ISA</c> values), with <c>off</c> to see libtorch's own.
/// </summary>
internal static class ConvolutionCheck
{
    internal const string Argument = "--conv-check";
    private static readonly int[] OutputChannels = [1, 3, 6, 8, 10, 16, 24, 30];

    internal static void Run(int maxInputChannels)
    {
        TorchRuntime.EnsureAvailable();
        var wrong = new List<string>();
        int total = 0;
        foreach (int stride in new[] { 1, 2 })
        foreach (int kernel in new[] { 1, 3 })
        for (int input = 1; input <= maxInputChannels; input++)
        foreach (int output in OutputChannels)
        {
            var shape = new ConvolutionShape(input, output, 1, kernel, kernel, stride, stride, kernel / 2, kernel / 2, 1, 1, InputGradient: true);
            var errors = shape.RelativeErrors();
            total++;
            if (errors.Any(e => !(e <= 1e-2)))
                wrong.Add($"{shape} [output {errors[0]:E0}, weight gradient {errors[1]:E0}, input gradient {errors[2]:E0}]");
        }
        wrong.ForEach(Console.WriteLine);
        Console.WriteLine($"{wrong.Count} of {total} shapes wrong; oneDNN {(OneDnnConvolutionCheck.IsEnabledInLibTorch() ? "on" : "off")}, " +
            $"DNNL_MAX_CPU_ISA={Environment.GetEnvironmentVariable("DNNL_MAX_CPU_ISA") ?? "(not set)"}");
    }
}
