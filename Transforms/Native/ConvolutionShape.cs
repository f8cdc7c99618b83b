using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLExtensions.Native;

/// <summary>
/// A 2-D convolution as <see cref="OneDnnConvolutionCheck"/> runs it: one small batch of fixed values, channel counts
/// reduced to keep oneDNN's channel blocking at a fraction of the work.
/// </summary>
internal sealed record ConvolutionShape(long In, long Out, long Groups, long KernelHeight, long KernelWidth,
    long StrideHeight, long StrideWidth, long PadHeight, long PadWidth, long DilationHeight, long DilationWidth, bool InputGradient)
{
    /// <summary>oneDNN's channel block (16 floats: one AVX-512 register; AVX2 alone blocks by 8).</summary>
    internal const int ChannelBlock = 16;

    /// <summary>What <see cref="RelativeErrors"/> lists, in its order.</summary>
    internal static readonly string[] ResultNames = ["output", "weight gradient", "input gradient"];

    private const int Batch = 2, Size = 10;

    internal static ConvolutionShape Of(Conv2d conv, bool inputGradient)
    {
        long groups = conv.groups;
        // Grouped convolutions keep their channels per group; depthwise ones (a group per channel) reduce like the rest.
        long input = groups == 1 || groups == conv.in_channels ? Reduce(conv.in_channels) : conv.in_channels;
        long output = groups == 1 ? Reduce(conv.out_channels) : groups == conv.in_channels ? input * (conv.out_channels / conv.in_channels) : conv.out_channels;
        if (groups == conv.in_channels)
            groups = input;
        var padding = conv.padding ?? [conv.kernel_size[0] / 2, conv.kernel_size[1] / 2];
        return new(input, output, groups, conv.kernel_size[0], conv.kernel_size[1], conv.stride[0], conv.stride[1],
            padding[0], padding[1], conv.dilation[0], conv.dilation[1], inputGradient);
    }

    /// <summary>True when a channel count oneDNN works on is not a multiple of its 16-channel block (the input's only when its gradient is computed).</summary>
    internal bool Unblocked => Out % ChannelBlock != 0 || (InputGradient && In % ChannelBlock != 0);

    // A count keeps its remainder modulo the block, and so oneDNN's blocking.
    private static long Reduce(long channels) => channels <= 2 * ChannelBlock ? channels : ChannelBlock + channels % ChannelBlock;

    /// <summary>
    /// How far the float32 results (with the kernels libtorch now picks) are from float64 ones (libtorch's own kernels),
    /// relative to the largest float64 value of each, in the order of <see cref="ResultNames"/>; NaN where a result is.
    /// </summary>
    internal double[] RelativeErrors(int variant = 0)
    {
        using var scope = NewDisposeScope();
        var actual = ForwardAndBackward(float32, variant);
        var expected = ForwardAndBackward(float64, variant);
        return actual.Zip(expected, (a, e) => (a.to(float64) - e).abs().max().item<double>() / Math.Max(1e-12, e.abs().max().item<double>())).ToArray();
    }

    /// <summary>Output, weight gradient and (when checked) input gradient, computed in <paramref name="type"/> on the inputs of <paramref name="variant"/>.</summary>
    internal Tensor[] ForwardAndBackward(ScalarType type, int variant = 0)
    {
        using var _ = enable_grad();
        var input = FixedValues([Batch, In, Size + KernelHeight, Size + KernelWidth], 0.61 + 0.1 * variant, type).requires_grad_(InputGradient);
        var weight = FixedValues([Out, In / Groups, KernelHeight, KernelWidth], 0.37, type).requires_grad_();
        var output = nn.functional.conv2d(input, weight, strides: [StrideHeight, StrideWidth], padding: [PadHeight, PadWidth],
            dilation: [DilationHeight, DilationWidth], groups: Groups);
        // A weighting that differs per element, so that a wrong gradient cannot hide behind a uniform one.
        output.mul(FixedValues(output.shape, 0.23, type)).sum().backward();
        return InputGradient ? [output.detach(), weight.grad!, input.grad!] : [output.detach(), weight.grad!];
    }

    private static Tensor FixedValues(long[] shape, double step, ScalarType type)
        => arange(shape.Aggregate(1L, (a, b) => a * b), dtype: float64).mul(step).sin().reshape(shape).to(type);

    public override string ToString()
        => $"{KernelHeight}×{KernelWidth} convolution, stride {StrideHeight}, {In} to {Out} channels" + (Groups > 1 ? $" in {Groups} groups" : "");
}
