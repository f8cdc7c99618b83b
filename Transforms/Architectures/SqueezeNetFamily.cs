using MLExtensions.TorchVision;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MLExtensions.Architectures;

/// <summary>
/// torchvision's SqueezeNet 1.0 and 1.1 (Iandola et al. 2016), written here with torchvision's module names (TorchSharp's
/// port lacks it): a stem convolution, Fire modules between max poolings, and a convolutional classifier
/// (<c>classifier.1</c>, a 1×1 convolution to the classes, then ReLU and global average pooling). Stages: the stem and
/// the Fire modules between poolings.
/// </summary>
internal sealed class SqueezeNetFamily : TorchVisionFamily
{
    internal override string Name => "torchvision SqueezeNet";

    private protected override IReadOnlyDictionary<TorchVisionModel, Func<NetworkDescription, nn.Module<Tensor, Tensor>>> Variants { get; } =
        new Dictionary<TorchVisionModel, Func<NetworkDescription, nn.Module<Tensor, Tensor>>>
        {
            [TorchVisionModel.SqueezeNet1_0] = d => Wrap(new SqueezeNet("squeezenet1_0", Version10(), d.ClassCount), d),
            [TorchVisionModel.SqueezeNet1_1] = d => Wrap(new SqueezeNet("squeezenet1_1", Version11(), d.ClassCount), d),
        };

    internal override string HeadName(TorchVisionModel model) => "classifier.1";

    // ReLU and pooling follow the classifier's convolution, so it cannot train alone on cached features.
    internal override bool HeadOutputsLogits => false;

    internal override IReadOnlyList<NetworkStage> Stages(NetworkDescription description, nn.Module network)
        => description.TorchVisionModel == TorchVisionModel.SqueezeNet1_0
            ? FeatureRanges((0, 2), (3, 6), (7, 11), (12, 12))
            : FeatureRanges((0, 2), (3, 5), (6, 8), (9, 12));

    private static (string, Module<Tensor, Tensor>)[] Version10() =>
    [
        ("0", Conv2d(3, 96, 7, stride: 2)), ("1", ReLU()), ("2", Pool()),
        ("3", new Fire(96, 16, 64, 64)), ("4", new Fire(128, 16, 64, 64)), ("5", new Fire(128, 32, 128, 128)), ("6", Pool()),
        ("7", new Fire(256, 32, 128, 128)), ("8", new Fire(256, 48, 192, 192)), ("9", new Fire(384, 48, 192, 192)),
        ("10", new Fire(384, 64, 256, 256)), ("11", Pool()),
        ("12", new Fire(512, 64, 256, 256)),
    ];

    private static (string, Module<Tensor, Tensor>)[] Version11() =>
    [
        ("0", Conv2d(3, 64, 3, stride: 2)), ("1", ReLU()), ("2", Pool()),
        ("3", new Fire(64, 16, 64, 64)), ("4", new Fire(128, 16, 64, 64)), ("5", Pool()),
        ("6", new Fire(128, 32, 128, 128)), ("7", new Fire(256, 32, 128, 128)), ("8", Pool()),
        ("9", new Fire(256, 48, 192, 192)), ("10", new Fire(384, 48, 192, 192)), ("11", new Fire(384, 64, 256, 256)),
        ("12", new Fire(512, 64, 256, 256)),
    ];

    private static Module<Tensor, Tensor> Pool() => MaxPool2d(3, stride: 2, ceil_mode: true);

    /// <summary>Squeeze to few channels with 1×1 convolutions, expand with 1×1 and 3×3 ones side by side.</summary>
    private sealed class Fire : Module<Tensor, Tensor>
    {
        private readonly Module<Tensor, Tensor> squeeze, squeeze_activation, expand1x1, expand1x1_activation, expand3x3, expand3x3_activation;

        internal Fire(long inputs, long squeezed, long expanded1x1, long expanded3x3) : base(nameof(Fire))
        {
            squeeze = Conv2d(inputs, squeezed, 1);
            squeeze_activation = ReLU();
            expand1x1 = Conv2d(squeezed, expanded1x1, 1);
            expand1x1_activation = ReLU();
            expand3x3 = Conv2d(squeezed, expanded3x3, 3, padding: 1);
            expand3x3_activation = ReLU();
            RegisterComponents();
        }

        public override Tensor forward(Tensor input)
        {
            using var scope = NewDisposeScope();
            var squeezed = squeeze_activation.call(squeeze.call(input));
            return cat([expand1x1_activation.call(expand1x1.call(squeezed)), expand3x3_activation.call(expand3x3.call(squeezed))], 1).MoveToOuterDisposeScope();
        }
    }

    private sealed class SqueezeNet : Module<Tensor, Tensor>
    {
        private readonly Module<Tensor, Tensor> features, classifier;

        internal SqueezeNet(string name, (string, Module<Tensor, Tensor>)[] features, int classes) : base(name)
        {
            this.features = Sequential(features);
            var finalConvolution = Conv2d(512, classes, 1);
            classifier = Sequential(("0", Dropout(0.5)), ("1", finalConvolution), ("2", ReLU()), ("3", AdaptiveAvgPool2d(1)));
            RegisterComponents();
            // torchvision's initialization: Kaiming-uniform convolutions, the classifier's at N(0, 0.01), zero biases.
            using var noGrad = no_grad();
            foreach (var convolution in modules().OfType<TorchSharp.Modules.Conv2d>())
            {
                if (ReferenceEquals(convolution, finalConvolution))
                    init.normal_(convolution.weight, 0, 0.01);
                else
                    init.kaiming_uniform_(convolution.weight);
                init.zeros_(convolution.bias!);
            }
        }

        public override Tensor forward(Tensor input)
        {
            using var scope = NewDisposeScope();
            return classifier.call(features.call(input)).flatten(1).MoveToOuterDisposeScope();
        }
    }
}
