using MLExtensions.TorchVision;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MLExtensions.Architectures;

/// <summary>
/// torchvision's MNASNet 0.5, 0.75, 1.0 and 1.3 (Tan et al. 2019), written here with torchvision's module names
/// (TorchSharp's port lacks it): a stem and a depthwise-separable convolution, six stacks of inverted residual blocks,
/// a 1×1 convolution to 1,280 channels (all in <c>layers</c>), then the classifier <c>classifier.1</c>. Stages: the
/// stem, then the stacks grouped by resolution, then the last convolution.
/// </summary>
internal sealed class MnasNetFamily : TorchVisionFamily
{
    // torchvision's MNASNet uses TensorFlow's batch-norm decay of 0.9997.
    private const double BatchNormMomentum = 1 - 0.9997;

    internal override string Name => "torchvision MNASNet";

    private protected override IReadOnlyDictionary<TorchVisionModel, Func<NetworkDescription, nn.Module<Tensor, Tensor>>> Variants { get; } =
        new Dictionary<TorchVisionModel, Func<NetworkDescription, nn.Module<Tensor, Tensor>>>
        {
            [TorchVisionModel.MnasNet0_5] = d => Wrap(new MnasNet("mnasnet0_5", 0.5, d.ClassCount), d),
            [TorchVisionModel.MnasNet0_75] = d => Wrap(new MnasNet("mnasnet0_75", 0.75, d.ClassCount), d),
            [TorchVisionModel.MnasNet1_0] = d => Wrap(new MnasNet("mnasnet1_0", 1.0, d.ClassCount), d),
            [TorchVisionModel.MnasNet1_3] = d => Wrap(new MnasNet("mnasnet1_3", 1.3, d.ClassCount), d),
        };

    internal override string HeadName(TorchVisionModel model) => "classifier.1";

    internal override IReadOnlyList<NetworkStage> Stages(NetworkDescription description, nn.Module network)
        => Ranges("layers", (0, 7), (8, 8), (9, 9), (10, 11), (12, 13), (14, 16));

    /// <summary>torchvision's <c>_round_to_multiple_of(depth * alpha, 8)</c>.</summary>
    private static long Depth(int depth, double alpha)
    {
        double value = depth * alpha;
        long rounded = Math.Max(8, (long)(value + 4) / 8 * 8);
        return rounded >= 0.9 * value ? rounded : rounded + 8;
    }

    private static Module<Tensor, Tensor> Norm(long channels) => BatchNorm2d(channels, momentum: BatchNormMomentum);

    /// <summary>1×1 expansion, k×k depthwise convolution, linear 1×1 projection; a residual when the shape is kept.</summary>
    private sealed class InvertedResidual : Module<Tensor, Tensor>
    {
        private readonly Module<Tensor, Tensor> layers;
        private readonly bool _residual;

        internal InvertedResidual(long inputs, long outputs, long kernel, long stride, long expansion) : base("_InvertedResidual")
        {
            long middle = inputs * expansion;
            _residual = inputs == outputs && stride == 1;
            layers = Sequential(
                ("0", Conv2d(inputs, middle, 1, bias: false)), ("1", Norm(middle)), ("2", ReLU()),
                ("3", Conv2d(middle, middle, kernel, stride: stride, padding: kernel / 2, groups: middle, bias: false)), ("4", Norm(middle)), ("5", ReLU()),
                ("6", Conv2d(middle, outputs, 1, bias: false)), ("7", Norm(outputs)));
            RegisterComponents();
        }

        public override Tensor forward(Tensor input)
        {
            if (!_residual)
                return layers.call(input);
            using var scope = NewDisposeScope();
            return layers.call(input).add(input).MoveToOuterDisposeScope();
        }
    }

    private static Module<Tensor, Tensor> Stack(long inputs, long outputs, long kernel, long stride, long expansion, int repeats)
        => Sequential(Enumerable.Range(0, repeats)
            .Select(i => ($"{i}", (Module<Tensor, Tensor>)new InvertedResidual(i == 0 ? inputs : outputs, outputs, kernel, i == 0 ? stride : 1, expansion)))
            .ToArray());

    private sealed class MnasNet : Module<Tensor, Tensor>
    {
        private readonly Module<Tensor, Tensor> layers, classifier;

        internal MnasNet(string name, double alpha, int classes) : base(name)
        {
            var d = new[] { 32, 16, 24, 40, 80, 96, 192, 320 }.Select(depth => Depth(depth, alpha)).ToArray();
            layers = Sequential(
                ("0", Conv2d(3, d[0], 3, stride: 2, padding: 1, bias: false)), ("1", Norm(d[0])), ("2", ReLU()),
                ("3", Conv2d(d[0], d[0], 3, padding: 1, groups: d[0], bias: false)), ("4", Norm(d[0])), ("5", ReLU()),
                ("6", Conv2d(d[0], d[1], 1, bias: false)), ("7", Norm(d[1])),
                ("8", Stack(d[1], d[2], 3, 2, 3, 3)), ("9", Stack(d[2], d[3], 5, 2, 3, 3)), ("10", Stack(d[3], d[4], 5, 2, 6, 3)),
                ("11", Stack(d[4], d[5], 3, 1, 6, 2)), ("12", Stack(d[5], d[6], 5, 2, 6, 4)), ("13", Stack(d[6], d[7], 3, 1, 6, 1)),
                ("14", Conv2d(d[7], 1280, 1, bias: false)), ("15", Norm(1280)), ("16", ReLU()));
            classifier = Sequential(("0", Dropout(0.2)), ("1", Linear(1280, classes)));
            RegisterComponents();
            // torchvision's initialization: Kaiming-normal (fan out) convolutions, unit batch norms, a Kaiming-uniform
            // (fan out, sigmoid gain) classifier, zero biases.
            Initialize(this,
                convolution => init.kaiming_normal_(convolution.weight, mode: init.FanInOut.FanOut, nonlinearity: init.NonlinearityType.ReLU),
                linear =>
                {
                    init.kaiming_uniform_(linear.weight, mode: init.FanInOut.FanOut, nonlinearity: init.NonlinearityType.Sigmoid);
                    init.zeros_(linear.bias!);
                });
        }

        public override Tensor forward(Tensor input)
        {
            using var scope = NewDisposeScope();
            return classifier.call(layers.call(input).mean([2, 3])).MoveToOuterDisposeScope();
        }
    }
}
