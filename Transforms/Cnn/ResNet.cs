using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MLExtensions.Cnn;

/// <summary>
/// A ResNet: [input standardization], a 3×3 stem for small images or torchvision's downsampling stem (7×7/2
/// convolution, 3×3/2 max pooling) for large ones, stages of basic residual blocks (the first block of each later stage
/// halves the resolution and uses a 1×1 projection shortcut), global average pooling, dropout, linear classifier.
/// </summary>
internal sealed class ResNet : Module<Tensor, Tensor>
{
    private readonly Module<Tensor, Tensor> input;
    private readonly Module<Tensor, Tensor> stem;
    private readonly Module<Tensor, Tensor> stages;
    private readonly Module<Tensor, Tensor> head;

    public ResNet(NetworkDescription description) : base(nameof(ResNet))
    {
        var widths = description.Widths;
        var blocks = description.Blocks;
        if (widths.Count == 0 || widths.Count != blocks.Count || widths.Any(w => w <= 0) || blocks.Any(b => b <= 0))
            throw new ArgumentException($"ResNet needs one positive width and block count per stage; got widths [{string.Join(", ", widths)}] and blocks [{string.Join(", ", blocks)}].");
        input = InputLayers.Standardization(description);
        stem = description.DownsamplingStem
            ? Layers.DownsamplingStem(description, widths[0])
            : Sequential(
                ("conv", Layers.Conv3x3(description.InputShape.Channels, widths[0])),
                ("norm", Layers.Normalization(description.Normalization, widths[0], description.NormalizationGroups)),
                ("act", Layers.Activation(description.Activation)));

        var inner = InnerWidths(description);
        var layers = new List<(string, Module<Tensor, Tensor>)>();
        int channels = widths[0];
        for (int s = 0, block = 0; s < widths.Count; s++)
            for (int b = 0; b < blocks[s]; b++, block++)
            {
                int stride = s > 0 && b == 0 ? 2 : 1;
                layers.Add((BlockName(s, b), new BasicBlock(channels, inner[block], widths[s], stride, description)));
                channels = widths[s];
            }
        stages = Sequential(layers);
        head = Sequential(
            ("pool", AdaptiveAvgPool2d(1)),
            ("flatten", Flatten()),
            ("dropout", Dropout(description.Dropout)),
            ("output", Linear(channels, description.ClassCount)));
        RegisterComponents();
    }

    public override Tensor forward(Tensor image)
    {
        using var scope = NewDisposeScope();
        return head.call(stages.call(stem.call(input.call(image)))).MoveToOuterDisposeScope();
    }

    /// <summary>The name of block <paramref name="block"/> of stage <paramref name="stage"/> (both 0-based) in the state dict, under <c>stages.</c>.</summary>
    internal static string BlockName(int stage, int block) => $"stage{stage + 1}_block{block + 1}";

    /// <summary>Each block's inner width: the description's, or its stage width.</summary>
    internal static int[] InnerWidths(NetworkDescription description)
    {
        var stageWidths = description.Widths.SelectMany((w, s) => Enumerable.Repeat(w, description.Blocks[s])).ToArray();
        if (description.InnerWidths.Count == 0)
            return stageWidths;
        if (description.InnerWidths.Count != stageWidths.Length || description.InnerWidths.Any(w => w <= 0))
            throw new ArgumentException($"ResNet needs one positive inner width per block ({stageWidths.Length}); got [{string.Join(", ", description.InnerWidths)}].");
        return description.InnerWidths.ToArray();
    }

    private sealed class BasicBlock : Module<Tensor, Tensor>
    {
        private readonly Module<Tensor, Tensor> conv1, norm1, act1, conv2, norm2, shortcut, act2;

        public BasicBlock(int input, int inner, int output, int stride, NetworkDescription d) : base(nameof(BasicBlock))
        {
            conv1 = Layers.Conv3x3(input, inner, stride);
            norm1 = Layers.Normalization(d.Normalization, inner, d.NormalizationGroups);
            act1 = Layers.Activation(d.Activation);
            conv2 = Layers.Conv3x3(inner, output);
            norm2 = Layers.Normalization(d.Normalization, output, d.NormalizationGroups);
            shortcut = stride == 1 && input == output
                ? Identity()
                : Sequential(
                    ("conv", Conv2d(input, output, kernel_size: 1, stride: stride, bias: false)),
                    ("norm", Layers.Normalization(d.Normalization, output, d.NormalizationGroups)));
            act2 = Layers.Activation(d.Activation);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            using var scope = NewDisposeScope();
            var y = norm2.call(conv2.call(act1.call(norm1.call(conv1.call(x)))));
            return act2.call(y + shortcut.call(x)).MoveToOuterDisposeScope();
        }
    }
}
