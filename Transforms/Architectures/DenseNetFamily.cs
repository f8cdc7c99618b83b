using MLExtensions.TorchVision;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MLExtensions.Architectures;

/// <summary>
/// torchvision's DenseNet-121, -161, -169 and -201 (Huang et al. 2017), written here with torchvision's module names
/// (TorchSharp's port lacks them): a stem, four dense blocks (each layer sees the concatenation of all earlier
/// outputs) joined by transitions that halve channels and resolution, then <c>norm5</c> and the classifier. Stages:
/// the stem, then each dense block with the transition after it (the last with <c>norm5</c>). Head <c>classifier</c>.
/// Images need at least 32 pixels a side (the network downsamples 32×).
/// </summary>
internal sealed class DenseNetFamily : TorchVisionFamily
{
    internal override string Name => "torchvision DenseNet";

    private protected override IReadOnlyDictionary<TorchVisionModel, Func<NetworkDescription, nn.Module<Tensor, Tensor>>> Variants { get; } =
        new Dictionary<TorchVisionModel, Func<NetworkDescription, nn.Module<Tensor, Tensor>>>
        {
            [TorchVisionModel.DenseNet121] = d => Wrap(new DenseNet("densenet121", 32, [6, 12, 24, 16], 64, d.ClassCount), d),
            [TorchVisionModel.DenseNet161] = d => Wrap(new DenseNet("densenet161", 48, [6, 12, 36, 24], 96, d.ClassCount), d),
            [TorchVisionModel.DenseNet169] = d => Wrap(new DenseNet("densenet169", 32, [6, 12, 32, 32], 64, d.ClassCount), d),
            [TorchVisionModel.DenseNet201] = d => Wrap(new DenseNet("densenet201", 32, [6, 12, 48, 32], 64, d.ClassCount), d),
        };

    // The stem's convolution and max pooling take 29 pixels to 8, which its three transitions' unpadded 2×2 average
    // poolings take to 1; 28 would end at 0.
    internal override int MinimumImageSide(NetworkDescription description) => 29;

    internal override string HeadName(TorchVisionModel model) => "classifier";

    internal override IReadOnlyList<NetworkStage> Stages(NetworkDescription description, nn.Module network) =>
    [
        new("stem", "features.conv0", "features.norm0"),
        new("denseblock1", "features.denseblock1", "features.transition1"),
        new("denseblock2", "features.denseblock2", "features.transition2"),
        new("denseblock3", "features.denseblock3", "features.transition3"),
        new("denseblock4", "features.denseblock4", "features.norm5"),
    ];

    /// <summary>Batch norm, ReLU, a 1×1 convolution to 4 × growth channels, batch norm, ReLU, a 3×3 convolution to growth channels.</summary>
    private sealed class DenseLayer : Module
    {
        private readonly Module<Tensor, Tensor> norm1, relu1, conv1, norm2, relu2, conv2;

        internal DenseLayer(long inputs, long growth, long bottleneckFactor) : base(nameof(DenseLayer))
        {
            norm1 = BatchNorm2d(inputs);
            relu1 = ReLU();
            conv1 = Conv2d(inputs, bottleneckFactor * growth, 1, bias: false);
            norm2 = BatchNorm2d(bottleneckFactor * growth);
            relu2 = ReLU();
            conv2 = Conv2d(bottleneckFactor * growth, growth, 3, padding: 1, bias: false);
            RegisterComponents();
        }

        internal Tensor Forward(IList<Tensor> earlier)
        {
            using var scope = NewDisposeScope();
            var bottleneck = conv1.call(relu1.call(norm1.call(cat(earlier, 1))));
            return conv2.call(relu2.call(norm2.call(bottleneck))).MoveToOuterDisposeScope();
        }
    }

    /// <summary>Layers named <c>denselayer1</c> … whose outputs are concatenated to everything before them.</summary>
    private sealed class DenseBlock : Module<Tensor, Tensor>
    {
        private readonly List<DenseLayer> _layers = [];

        internal DenseBlock(int layers, long inputs, long growth) : base(nameof(DenseBlock))
        {
            for (int i = 0; i < layers; i++)
            {
                var layer = new DenseLayer(inputs + i * growth, growth, bottleneckFactor: 4);
                _layers.Add(layer);
                register_module($"denselayer{i + 1}", layer);
            }
        }

        public override Tensor forward(Tensor input)
        {
            using var scope = NewDisposeScope();
            var features = new List<Tensor> { input };
            foreach (var layer in _layers)
                features.Add(layer.Forward(features));
            return cat(features, 1).MoveToOuterDisposeScope();
        }
    }

    private sealed class DenseNet : Module<Tensor, Tensor>
    {
        private readonly Module<Tensor, Tensor> features, classifier;

        internal DenseNet(string name, long growth, int[] blocks, long stemChannels, int classes) : base(name)
        {
            var parts = new List<(string, Module<Tensor, Tensor>)>
            {
                ("conv0", Conv2d(3, stemChannels, 7, stride: 2, padding: 3, bias: false)),
                ("norm0", BatchNorm2d(stemChannels)),
                ("relu0", ReLU()),
                ("pool0", MaxPool2d(3, stride: 2, padding: 1)),
            };
            long channels = stemChannels;
            for (int i = 0; i < blocks.Length; i++)
            {
                parts.Add(($"denseblock{i + 1}", new DenseBlock(blocks[i], channels, growth)));
                channels += blocks[i] * growth;
                if (i == blocks.Length - 1)
                    break;
                parts.Add(($"transition{i + 1}", Sequential(
                    ("norm", BatchNorm2d(channels)), ("relu", ReLU()), ("conv", Conv2d(channels, channels / 2, 1, bias: false)), ("pool", AvgPool2d(2, stride: 2)))));
                channels /= 2;
            }
            parts.Add(("norm5", BatchNorm2d(channels)));
            features = Sequential(parts);
            classifier = Linear(channels, classes);
            RegisterComponents();
            // torchvision's initialization: Kaiming-normal convolutions, unit batch norms, zero linear bias.
            Initialize(this, convolution => init.kaiming_normal_(convolution.weight), linear => init.zeros_(linear.bias!));
        }

        public override Tensor forward(Tensor input)
        {
            using var scope = NewDisposeScope();
            var pooled = functional.adaptive_avg_pool2d(functional.relu(features.call(input)), 1).flatten(1);
            return classifier.call(pooled).MoveToOuterDisposeScope();
        }
    }
}
