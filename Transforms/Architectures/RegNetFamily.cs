using MLExtensions.Architectures.Blocks;
using MLExtensions.TorchVision;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MLExtensions.Architectures;

/// <summary>
/// torchvision's RegNetX and RegNetY (Radosavovic et al. 2020), written here with torchvision's module names: a stem
/// (<c>stem</c>), four stages of residual bottleneck blocks with grouped 3×3 convolutions (RegNetY's with
/// squeeze-and-excitation) in <c>trunk_output.block1</c> to <c>block4</c>, then the classifier <c>fc</c>. Each
/// variant's stage widths, depths and group widths are torchvision's, as its <c>BlockParams.from_init_params</c>
/// computes them. Stages: the stem and the four stages.
/// </summary>
internal sealed class RegNetFamily : TorchVisionFamily
{
    private const long StemWidth = 32;

    /// <summary>One variant's four stages: output channels, blocks and channels per group; RegNetY's have squeeze-and-excitation.</summary>
    private sealed record Layout(long[] Widths, int[] Depths, long[] GroupWidths, bool SqueezeExcitation);

    private static Layout X(long[] widths, int[] depths, params long[] groupWidths) => new(widths, depths, Expand(groupWidths), false);

    private static Layout Y(long[] widths, int[] depths, long groupWidth) => new(widths, depths, Expand([groupWidth]), true);

    private static long[] Expand(long[] groupWidths) => groupWidths.Length == 1 ? [.. Enumerable.Repeat(groupWidths[0], 4)] : groupWidths;

    private static readonly Dictionary<TorchVisionModel, Layout> Layouts = new()
    {
        [TorchVisionModel.RegNetY_400MF] = Y([48, 104, 208, 440], [1, 3, 6, 6], 8),
        [TorchVisionModel.RegNetY_800MF] = Y([64, 144, 320, 784], [1, 3, 8, 2], 16),
        [TorchVisionModel.RegNetY_1_6GF] = Y([48, 120, 336, 888], [2, 6, 17, 2], 24),
        [TorchVisionModel.RegNetY_3_2GF] = Y([72, 216, 576, 1512], [2, 5, 13, 1], 24),
        [TorchVisionModel.RegNetY_8GF] = Y([224, 448, 896, 2016], [2, 4, 10, 1], 56),
        [TorchVisionModel.RegNetY_16GF] = Y([224, 448, 1232, 3024], [2, 4, 11, 1], 112),
        [TorchVisionModel.RegNetY_32GF] = Y([232, 696, 1392, 3712], [2, 5, 12, 1], 232),
        [TorchVisionModel.RegNetY_128GF] = Y([528, 1056, 2904, 7392], [2, 7, 17, 1], 264),
        [TorchVisionModel.RegNetX_400MF] = X([32, 64, 160, 400], [1, 2, 7, 12], 16),
        [TorchVisionModel.RegNetX_800MF] = X([64, 128, 288, 672], [1, 3, 7, 5], 16),
        [TorchVisionModel.RegNetX_1_6GF] = X([72, 168, 408, 912], [2, 4, 10, 2], 24),
        [TorchVisionModel.RegNetX_3_2GF] = X([96, 192, 432, 1008], [2, 6, 15, 2], 48),
        [TorchVisionModel.RegNetX_8GF] = X([80, 240, 720, 1920], [2, 5, 15, 1], 80, 120, 120, 120),
        [TorchVisionModel.RegNetX_16GF] = X([256, 512, 896, 2048], [2, 6, 13, 1], 128),
        [TorchVisionModel.RegNetX_32GF] = X([336, 672, 1344, 2520], [2, 7, 13, 1], 168),
    };

    internal override string Name => "torchvision RegNet";

    private protected override IReadOnlyDictionary<TorchVisionModel, Func<NetworkDescription, nn.Module<Tensor, Tensor>>> Variants { get; } =
        Layouts.ToDictionary(v => v.Key, v => (Func<NetworkDescription, nn.Module<Tensor, Tensor>>)(d => Wrap(new RegNet(d, v.Value), d)));

    internal override string HeadName(TorchVisionModel model) => "fc";

    internal override IReadOnlyList<NetworkStage> Stages(NetworkDescription description, nn.Module network)
        => [new("stem", "stem"), .. Enumerable.Range(1, 4).Select(i => new NetworkStage($"block{i}", $"trunk_output.block{i}"))];

    private static Module<Tensor, Tensor> Norm(long channels) => BatchNorm2d(channels);

    private static Module<Tensor, Tensor> ReLUActivation() => ReLU();

    /// <summary>1×1 to the bottleneck width, grouped 3×3 (with the stride), squeeze-and-excitation (RegNetY), 1×1 out; added to the (projected) input, then ReLU.</summary>
    private sealed class Block : Module<Tensor, Tensor>
    {
        private readonly Module<Tensor, Tensor> f, activation;
        private readonly Module<Tensor, Tensor>? proj;

        internal Block(long inputs, long outputs, long stride, long groupWidth, bool squeezeExcitation) : base("ResBottleneckBlock")
        {
            if (inputs != outputs || stride != 1)
                proj = ConvNormActivation.Create(inputs, outputs, 1, Norm, null, stride);
            var layers = new List<(string, Module<Tensor, Tensor>)>
            {
                ("a", ConvNormActivation.Create(inputs, outputs, 1, Norm, ReLUActivation)),
                ("b", ConvNormActivation.Create(outputs, outputs, 3, Norm, ReLUActivation, stride, groups: outputs / groupWidth)),
            };
            // The squeeze width is a quarter of the block's input channels, as torchvision's se_ratio of 0.25 says.
            if (squeezeExcitation)
                layers.Add(("se", new SqueezeExcitation(outputs, (long)Math.Round(0.25 * inputs, MidpointRounding.ToEven), ReLUActivation)));
            layers.Add(("c", ConvNormActivation.Create(outputs, outputs, 1, Norm, null)));
            f = Sequential(layers.ToArray());
            activation = ReLU();
            RegisterComponents();
        }

        public override Tensor forward(Tensor input)
        {
            using var scope = NewDisposeScope();
            var shortcut = proj is null ? input : proj.call(input);
            return activation.call(f.call(input).add_(shortcut)).MoveToOuterDisposeScope();
        }
    }

    private sealed class RegNet : Module<Tensor, Tensor>
    {
        private readonly Module<Tensor, Tensor> stem, trunk_output, avgpool, fc;

        internal RegNet(NetworkDescription description, Layout layout) : base(description.TorchVisionModel!.Value.ToString())
        {
            stem = ConvNormActivation.Create(3, StemWidth, 3, Norm, ReLUActivation, stride: 2);
            var stages = new List<(string, Module<Tensor, Tensor>)>();
            long width = StemWidth;
            for (int s = 0; s < 4; s++)
            {
                long inputs = width, outputs = layout.Widths[s], groupWidth = layout.GroupWidths[s];
                stages.Add(($"block{s + 1}", Sequential(Enumerable.Range(0, layout.Depths[s]).Select(i => ($"block{s + 1}-{i}",
                    (Module<Tensor, Tensor>)new Block(i == 0 ? inputs : outputs, outputs, i == 0 ? 2 : 1, groupWidth, layout.SqueezeExcitation))).ToArray())));
                width = outputs;
            }
            trunk_output = Sequential(stages.ToArray());
            avgpool = AdaptiveAvgPool2d(1);
            fc = Linear(width, description.ClassCount);
            RegisterComponents();
            // torchvision's ResNet-style start: convolutions normal with std √(2 / fan out), unit batch norms, a std-0.01 classifier.
            Initialize(this,
                convolution => init.normal_(convolution.weight, 0, Math.Sqrt(2.0 / (convolution.weight.shape[0] * convolution.weight.shape[2] * convolution.weight.shape[3]))),
                linear =>
                {
                    init.normal_(linear.weight, 0, 0.01);
                    init.zeros_(linear.bias!);
                });
        }

        public override Tensor forward(Tensor input)
        {
            using var scope = NewDisposeScope();
            return fc.call(avgpool.call(trunk_output.call(stem.call(input))).flatten(1)).MoveToOuterDisposeScope();
        }
    }
}
