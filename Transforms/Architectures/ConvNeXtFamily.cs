using MLExtensions.Architectures.Blocks;
using MLExtensions.TorchVision;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MLExtensions.Architectures;

/// <summary>
/// torchvision's ConvNeXt Tiny, Small, Base and Large (Liu et al. 2022), written here with torchvision's module names:
/// a patchify stem (<c>features.0</c>), four stages of ConvNeXt blocks (7×7 depthwise convolution, layer norm, an
/// inverted MLP, layer scale and stochastic depth) with a downsampling layer between them, then a layer norm and the
/// classifier <c>classifier.2</c>. Stages: the stem, each stage with the downsampling before it, the final norm.
/// </summary>
internal sealed class ConvNeXtFamily : TorchVisionFamily
{
    // torchvision's: the layer scale each block's residual branch starts at, and the norms' epsilon.
    private const double LayerScale = 1e-6;
    private const double Epsilon = 1e-6;

    internal override string Name => "torchvision ConvNeXt";

    private protected override IReadOnlyDictionary<TorchVisionModel, Func<NetworkDescription, nn.Module<Tensor, Tensor>>> Variants { get; } =
        new Dictionary<TorchVisionModel, Func<NetworkDescription, nn.Module<Tensor, Tensor>>>
        {
            [TorchVisionModel.ConvNeXtTiny] = d => Build(d, [96, 192, 384, 768], [3, 3, 9, 3], 0.1),
            [TorchVisionModel.ConvNeXtSmall] = d => Build(d, [96, 192, 384, 768], [3, 3, 27, 3], 0.4),
            [TorchVisionModel.ConvNeXtBase] = d => Build(d, [128, 256, 512, 1024], [3, 3, 27, 3], 0.5),
            [TorchVisionModel.ConvNeXtLarge] = d => Build(d, [192, 384, 768, 1536], [3, 3, 27, 3], 0.5),
        };

    internal override string HeadName(TorchVisionModel model) => "classifier.2";

    internal override bool HasStochasticDepth => true;

    // The stem's 4×4 and the downsamplings' 2×2 convolutions do not pad: 32 pixels become 8, 4, 2 and 1.
    internal override int MinimumImageSide(NetworkDescription description) => 32;

    internal override IReadOnlyList<NetworkStage> Stages(NetworkDescription description, nn.Module network)
        => [new("features.0", "features.0"), new("features.1", "features.1"), new("features.2-3", "features.2", "features.3"),
            new("features.4-5", "features.4", "features.5"), new("features.6-7", "features.6", "features.7"), new("classifier.0", "classifier.0")];

    private static nn.Module<Tensor, Tensor> Build(NetworkDescription description, long[] widths, int[] blocks, double defaultStochasticDepth)
        => Wrap(new ConvNeXt(description, widths, blocks, description.StochasticDepth ?? defaultStochasticDepth), description);

    /// <summary>
    /// Depthwise 7×7, then per pixel: layer norm, a 4× wider linear layer, GELU, a linear layer back; scaled per channel
    /// by <c>layer_scale</c> (starting at 1e-6, so the block starts near the identity), dropped by stochastic depth, added.
    /// </summary>
    private sealed class Block : Module<Tensor, Tensor>
    {
        private readonly Module<Tensor, Tensor> block, stochastic_depth;
        private readonly TorchSharp.Modules.Parameter layer_scale;

        internal Block(long channels, double dropProbability) : base("CNBlock")
        {
            block = Sequential(
                ("0", Conv2d(channels, channels, 7, padding: 3, groups: channels)), ("1", new Permute(0, 2, 3, 1)),
                ("2", LayerNorm(channels, eps: Epsilon)), ("3", Linear(channels, 4 * channels)), ("4", GELU()),
                ("5", Linear(4 * channels, channels)), ("6", new Permute(0, 3, 1, 2)));
            layer_scale = new TorchSharp.Modules.Parameter(full(channels, 1, 1, LayerScale));
            stochastic_depth = new StochasticDepth(dropProbability);
            RegisterComponents();
        }

        public override Tensor forward(Tensor input)
        {
            using var scope = NewDisposeScope();
            return stochastic_depth.call(block.call(input).mul_(layer_scale)).add_(input).MoveToOuterDisposeScope();
        }
    }

    private sealed class ConvNeXt : Module<Tensor, Tensor>
    {
        private readonly Module<Tensor, Tensor> features, avgpool, classifier;

        internal ConvNeXt(NetworkDescription description, long[] widths, int[] blocks, double deepest) : base(description.TorchVisionModel!.Value.ToString())
        {
            Module<Tensor, Tensor> Norm(long channels) => new LayerNorm2d(channels, Epsilon);
            int total = blocks.Sum(), index = 0;
            var layers = new List<Module<Tensor, Tensor>> { ConvNormActivation.Create(3, widths[0], 4, Norm, null, stride: 4, padding: 0, bias: true) };
            for (int stage = 0; stage < widths.Length; stage++)
            {
                long width = widths[stage];
                layers.Add(Sequential(Enumerable.Range(0, blocks[stage])
                    .Select(i => ($"{i}", (Module<Tensor, Tensor>)new Block(width, StochasticDepth.Probability(deepest, index++, total - 1.0)))).ToArray()));
                if (stage + 1 < widths.Length)
                    layers.Add(Sequential(("0", Norm(width)), ("1", Conv2d(width, widths[stage + 1], 2, stride: 2))));
            }
            features = Sequential(layers.Select((l, i) => ($"{i}", l)).ToArray());
            avgpool = AdaptiveAvgPool2d(1);
            classifier = Sequential(("0", Norm(widths[^1])), ("1", Flatten(1)), ("2", Linear(widths[^1], description.ClassCount)));
            RegisterComponents();
            // torchvision's: truncated-normal (std 0.02) convolutions and linear layers, zero biases; norms at 1 and 0.
            Initialize(this, convolution => StartTruncated(convolution.weight, convolution.bias!), linear => StartTruncated(linear.weight, linear.bias!));
        }

        private static void StartTruncated(Tensor weight, Tensor bias)
        {
            TruncatedNormal.Fill(weight, std: 0.02);
            init.zeros_(bias);
        }

        public override Tensor forward(Tensor input)
        {
            using var scope = NewDisposeScope();
            return classifier.call(avgpool.call(features.call(input))).MoveToOuterDisposeScope();
        }
    }
}
