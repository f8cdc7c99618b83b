using MLExtensions.Architectures.Blocks;
using MLExtensions.TorchVision;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MLExtensions.Architectures;

/// <summary>
/// torchvision's EfficientNet B0–B7 (Tan and Le 2019) and EfficientNetV2 S/M/L (Tan and Le 2021), written here with
/// torchvision's module names: a stem (<c>features.0</c>), stages of MBConv blocks (inverted residuals with
/// squeeze-and-excitation; V2's first stages are fused MBConv) with stochastic depth, a 1×1 convolution (the last
/// <c>features</c> child), then the classifier <c>classifier.1</c>. Each <c>features</c> child is a fine-tuning stage.
/// </summary>
internal sealed class EfficientNetFamily : TorchVisionFamily
{
    // torchvision's default for every variant.
    private const double DefaultStochasticDepth = 0.2;

    internal override string Name => "torchvision EfficientNet";

    private protected override IReadOnlyDictionary<TorchVisionModel, Func<NetworkDescription, nn.Module<Tensor, Tensor>>> Variants { get; } =
        new Dictionary<TorchVisionModel, Func<NetworkDescription, nn.Module<Tensor, Tensor>>>
        {
            [TorchVisionModel.EfficientNetB0] = d => V1(d, 1.0, 1.0, 0.2),
            [TorchVisionModel.EfficientNetB1] = d => V1(d, 1.0, 1.1, 0.2),
            [TorchVisionModel.EfficientNetB2] = d => V1(d, 1.1, 1.2, 0.3),
            [TorchVisionModel.EfficientNetB3] = d => V1(d, 1.2, 1.4, 0.3),
            [TorchVisionModel.EfficientNetB4] = d => V1(d, 1.4, 1.8, 0.4),
            [TorchVisionModel.EfficientNetB5] = d => V1(d, 1.6, 2.2, 0.4, epsilon: 1e-3, momentum: 0.01),
            [TorchVisionModel.EfficientNetB6] = d => V1(d, 1.8, 2.6, 0.5, epsilon: 1e-3, momentum: 0.01),
            [TorchVisionModel.EfficientNetB7] = d => V1(d, 2.0, 3.1, 0.5, epsilon: 1e-3, momentum: 0.01),
            [TorchVisionModel.EfficientNetV2S] = d => V2(d, 0.2,
            [
                Fused(1, 3, 1, 24, 24, 2), Fused(4, 3, 2, 24, 48, 4), Fused(4, 3, 2, 48, 64, 4),
                MbConv(4, 3, 2, 64, 128, 6), MbConv(6, 3, 1, 128, 160, 9), MbConv(6, 3, 2, 160, 256, 15),
            ]),
            [TorchVisionModel.EfficientNetV2M] = d => V2(d, 0.3,
            [
                Fused(1, 3, 1, 24, 24, 3), Fused(4, 3, 2, 24, 48, 5), Fused(4, 3, 2, 48, 80, 5),
                MbConv(4, 3, 2, 80, 160, 7), MbConv(6, 3, 1, 160, 176, 14), MbConv(6, 3, 2, 176, 304, 18), MbConv(6, 3, 1, 304, 512, 5),
            ]),
            [TorchVisionModel.EfficientNetV2L] = d => V2(d, 0.4,
            [
                Fused(1, 3, 1, 32, 32, 4), Fused(4, 3, 2, 32, 64, 7), Fused(4, 3, 2, 64, 96, 7),
                MbConv(4, 3, 2, 96, 192, 10), MbConv(6, 3, 1, 192, 224, 19), MbConv(6, 3, 2, 224, 384, 25), MbConv(6, 3, 1, 384, 640, 7),
            ]),
        };

    internal override string HeadName(TorchVisionModel model) => "classifier.1";

    // The crops torchvision's ImageNet weights were evaluated at.
    internal override InputPreset PretrainedInput(TorchVisionModel model) => InputPreset.ImageNetAt(model switch
    {
        TorchVisionModel.EfficientNetB1 => 240,
        TorchVisionModel.EfficientNetB2 => 288,
        TorchVisionModel.EfficientNetB3 => 300,
        TorchVisionModel.EfficientNetB4 => 380,
        TorchVisionModel.EfficientNetB5 => 456,
        TorchVisionModel.EfficientNetB6 => 528,
        TorchVisionModel.EfficientNetB7 => 600,
        TorchVisionModel.EfficientNetV2S => 384,
        TorchVisionModel.EfficientNetV2M or TorchVisionModel.EfficientNetV2L => 480,
        _ => 224,
    });

    internal override bool HasStochasticDepth => true;

    internal override IReadOnlyList<NetworkStage> Stages(NetworkDescription description, nn.Module network)
    {
        int count = network.named_children().Single(c => c.name == "features").module.named_children().Count();
        return FeatureRanges(Enumerable.Range(0, count).Select(i => (i, i)).ToArray());
    }

    /// <summary>One stage's blocks: expansion, kernel, stride of the first, channels in and out, how many; fused (V2's early stages) or not.</summary>
    private sealed record StageConfig(double Expansion, int Kernel, int Stride, long Inputs, long Outputs, int Blocks, bool Fused);

    private static StageConfig MbConv(double expansion, int kernel, int stride, long inputs, long outputs, int blocks)
        => new(expansion, kernel, stride, inputs, outputs, blocks, Fused: false);

    private static StageConfig Fused(double expansion, int kernel, int stride, long inputs, long outputs, int blocks)
        => new(expansion, kernel, stride, inputs, outputs, blocks, Fused: true);

    private static nn.Module<Tensor, Tensor> V1(NetworkDescription description, double width, double depth, double dropout,
        double epsilon = 1e-5, double momentum = 0.1)
    {
        StageConfig Scaled(double expansion, int kernel, int stride, long inputs, long outputs, int blocks)
            => MbConv(expansion, kernel, stride, Divisible(inputs * width), Divisible(outputs * width), (int)Math.Ceiling(blocks * depth));
        StageConfig[] stages =
        [
            Scaled(1, 3, 1, 32, 16, 1), Scaled(6, 3, 2, 16, 24, 2), Scaled(6, 5, 2, 24, 40, 2), Scaled(6, 3, 2, 40, 80, 3),
            Scaled(6, 5, 1, 80, 112, 3), Scaled(6, 5, 2, 112, 192, 4), Scaled(6, 3, 1, 192, 320, 1),
        ];
        return Wrap(new EfficientNet(description, stages, 4 * stages[^1].Outputs, dropout, c => BatchNorm2d(c, eps: epsilon, momentum: momentum)), description);
    }

    private static nn.Module<Tensor, Tensor> V2(NetworkDescription description, double dropout, StageConfig[] stages)
        => Wrap(new EfficientNet(description, stages, 1280, dropout, c => BatchNorm2d(c, eps: 1e-3)), description);

    /// <summary>torchvision's <c>_make_divisible(value, 8)</c>: the nearest multiple of 8, at least 8 and not 10 % below the value.</summary>
    private static long Divisible(double value)
    {
        long rounded = Math.Max(8, (long)(value + 4) / 8 * 8);
        return rounded < 0.9 * value ? rounded + 8 : rounded;
    }

    private static Module<Tensor, Tensor> SiLUActivation() => SiLU();

    /// <summary>
    /// An MBConv block (1×1 expansion, depthwise k×k, squeeze-and-excitation, 1×1 projection) or a fused one (k×k
    /// expansion, 1×1 projection), with stochastic depth on its residual when it keeps the shape.
    /// </summary>
    private sealed class Block : Module<Tensor, Tensor>
    {
        private readonly Module<Tensor, Tensor> block, stochastic_depth;
        private readonly bool _residual;

        internal Block(StageConfig config, long inputs, long stride, double dropProbability, Func<long, Module<Tensor, Tensor>> norm)
            : base(config.Fused ? "FusedMBConv" : "MBConv")
        {
            _residual = stride == 1 && inputs == config.Outputs;
            long expanded = Divisible(inputs * config.Expansion);
            var layers = new List<Module<Tensor, Tensor>>();
            if (config.Fused)
            {
                if (expanded != inputs)
                {
                    layers.Add(ConvNormActivation.Create(inputs, expanded, config.Kernel, norm, SiLUActivation, stride));
                    layers.Add(ConvNormActivation.Create(expanded, config.Outputs, 1, norm, null));
                }
                else
                    layers.Add(ConvNormActivation.Create(inputs, config.Outputs, config.Kernel, norm, SiLUActivation, stride));
            }
            else
            {
                if (expanded != inputs)
                    layers.Add(ConvNormActivation.Create(inputs, expanded, 1, norm, SiLUActivation));
                layers.Add(ConvNormActivation.Create(expanded, expanded, config.Kernel, norm, SiLUActivation, stride, groups: expanded));
                layers.Add(new SqueezeExcitation(expanded, Math.Max(1, inputs / 4), SiLUActivation));
                layers.Add(ConvNormActivation.Create(expanded, config.Outputs, 1, norm, null));
            }
            block = Sequential(layers.Select((l, i) => ($"{i}", l)).ToArray());
            stochastic_depth = new StochasticDepth(dropProbability);
            RegisterComponents();
        }

        public override Tensor forward(Tensor input)
        {
            if (!_residual)
                return block.call(input);
            using var scope = NewDisposeScope();
            return stochastic_depth.call(block.call(input)).add_(input).MoveToOuterDisposeScope();
        }
    }

    private sealed class EfficientNet : Module<Tensor, Tensor>
    {
        private readonly Module<Tensor, Tensor> features, avgpool, classifier;

        internal EfficientNet(NetworkDescription description, StageConfig[] stages, long lastChannels, double dropout, Func<long, Module<Tensor, Tensor>> norm)
            : base(description.TorchVisionModel!.Value.ToString())
        {
            double deepest = description.StochasticDepth ?? DefaultStochasticDepth;
            int total = stages.Sum(s => s.Blocks), index = 0;
            var layers = new List<Module<Tensor, Tensor>> { ConvNormActivation.Create(3, stages[0].Inputs, 3, norm, SiLUActivation, stride: 2) };
            foreach (var stage in stages)
                layers.Add(Sequential(Enumerable.Range(0, stage.Blocks).Select(i => ($"{i}", (Module<Tensor, Tensor>)new Block(stage,
                    i == 0 ? stage.Inputs : stage.Outputs, i == 0 ? stage.Stride : 1, StochasticDepth.Probability(deepest, index++, total), norm))).ToArray()));
            layers.Add(ConvNormActivation.Create(stages[^1].Outputs, lastChannels, 1, norm, SiLUActivation));
            features = Sequential(layers.Select((l, i) => ($"{i}", l)).ToArray());
            avgpool = AdaptiveAvgPool2d(1);
            classifier = Sequential(("0", Dropout(dropout)), ("1", Linear(lastChannels, description.ClassCount)));
            RegisterComponents();
            // torchvision's: Kaiming-normal (fan out) convolutions, unit batch norms, a uniform ±1/√outputs classifier, zero biases.
            Initialize(this,
                convolution =>
                {
                    init.kaiming_normal_(convolution.weight, mode: init.FanInOut.FanOut);
                    if (convolution.bias is { } bias)
                        init.zeros_(bias);
                },
                linear =>
                {
                    init.uniform_(linear.weight, -1 / Math.Sqrt(linear.out_features), 1 / Math.Sqrt(linear.out_features));
                    init.zeros_(linear.bias!);
                });
        }

        public override Tensor forward(Tensor input)
        {
            using var scope = NewDisposeScope();
            return classifier.call(avgpool.call(features.call(input)).flatten(1)).MoveToOuterDisposeScope();
        }
    }
}
