using MLExtensions.TorchVision;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MLExtensions.Architectures;

/// <summary>
/// torchvision's ShuffleNetV2 ×0.5, ×1.0, ×1.5 and ×2.0 (Ma et al. 2018), written here with torchvision's module
/// names (TorchSharp's port lacks it): a stem (<c>conv1</c>, max pooling), three stages of units that split the
/// channels, transform one half and shuffle them back together, then <c>conv5</c> and the classifier <c>fc</c>.
/// Stages: <c>conv1</c>, <c>stage2</c>, <c>stage3</c>, <c>stage4</c>, <c>conv5</c>.
/// </summary>
internal sealed class ShuffleNetV2Family : TorchVisionFamily
{
    internal override string Name => "torchvision ShuffleNetV2";

    private protected override IReadOnlyDictionary<TorchVisionModel, Func<NetworkDescription, nn.Module<Tensor, Tensor>>> Variants { get; } =
        new Dictionary<TorchVisionModel, Func<NetworkDescription, nn.Module<Tensor, Tensor>>>
        {
            [TorchVisionModel.ShuffleNetV2_x0_5] = d => Build([24, 48, 96, 192, 1024], d),
            [TorchVisionModel.ShuffleNetV2_x1_0] = d => Build([24, 116, 232, 464, 1024], d),
            [TorchVisionModel.ShuffleNetV2_x1_5] = d => Build([24, 176, 352, 704, 1024], d),
            [TorchVisionModel.ShuffleNetV2_x2_0] = d => Build([24, 244, 488, 976, 2048], d),
        };

    private static nn.Module<Tensor, Tensor> Build(long[] channels, NetworkDescription description)
        => Wrap(new ShuffleNetV2(description.TorchVisionModel!.Value.ToString(), [4, 8, 4], channels, description.ClassCount), description);

    internal override string HeadName(TorchVisionModel model) => "fc";

    internal override IReadOnlyList<NetworkStage> Stages(NetworkDescription description, nn.Module network)
        => [new("conv1", "conv1"), new("stage2", "stage2"), new("stage3", "stage3"), new("stage4", "stage4"), new("conv5", "conv5")];

    private static Module<Tensor, Tensor> Depthwise(long channels, long stride)
        => Conv2d(channels, channels, 3, stride: stride, padding: 1, bias: false, groups: channels);

    private static Module<Tensor, Tensor> Pointwise(long inputs, long outputs) => Conv2d(inputs, outputs, 1, bias: false);

    /// <summary>
    /// Stride 2: both branches see the input and each gives half the outputs; stride 1: the first half of the channels
    /// passes through and the second goes through <c>branch2</c>. Then the two halves' channels are interleaved.
    /// </summary>
    private sealed class Unit : Module<Tensor, Tensor>
    {
        private readonly Module<Tensor, Tensor> branch1, branch2;
        private readonly long _stride;

        internal Unit(long inputs, long outputs, long stride) : base("InvertedResidual")
        {
            _stride = stride;
            long half = outputs / 2;
            branch1 = stride > 1
                ? Sequential(("0", Depthwise(inputs, stride)), ("1", BatchNorm2d(inputs)), ("2", Pointwise(inputs, half)), ("3", BatchNorm2d(half)), ("4", ReLU()))
                : Sequential();
            branch2 = Sequential(
                ("0", Pointwise(stride > 1 ? inputs : half, half)), ("1", BatchNorm2d(half)), ("2", ReLU()),
                ("3", Depthwise(half, stride)), ("4", BatchNorm2d(half)),
                ("5", Pointwise(half, half)), ("6", BatchNorm2d(half)), ("7", ReLU()));
            RegisterComponents();
        }

        public override Tensor forward(Tensor input)
        {
            using var scope = NewDisposeScope();
            Tensor joined;
            if (_stride == 1)
            {
                var halves = input.chunk(2, 1);
                joined = cat([halves[0], branch2.call(halves[1])], 1);
            }
            else
                joined = cat([branch1.call(input), branch2.call(input)], 1);
            long n = joined.shape[0], c = joined.shape[1], h = joined.shape[2], w = joined.shape[3];
            return joined.view(n, 2, c / 2, h, w).transpose(1, 2).contiguous().view(n, c, h, w).MoveToOuterDisposeScope();
        }
    }

    private sealed class ShuffleNetV2 : Module<Tensor, Tensor>
    {
        private readonly Module<Tensor, Tensor> conv1, maxpool, stage2, stage3, stage4, conv5, fc;

        internal ShuffleNetV2(string name, int[] repeats, long[] channels, int classes) : base(name)
        {
            conv1 = Sequential(("0", Conv2d(3, channels[0], 3, stride: 2, padding: 1, bias: false)), ("1", BatchNorm2d(channels[0])), ("2", ReLU()));
            maxpool = MaxPool2d(3, stride: 2, padding: 1);
            stage2 = Stage(channels[0], channels[1], repeats[0]);
            stage3 = Stage(channels[1], channels[2], repeats[1]);
            stage4 = Stage(channels[2], channels[3], repeats[2]);
            conv5 = Sequential(("0", Pointwise(channels[3], channels[4])), ("1", BatchNorm2d(channels[4])), ("2", ReLU()));
            fc = Linear(channels[4], classes);
            RegisterComponents();
        }

        private static Module<Tensor, Tensor> Stage(long inputs, long outputs, int repeats)
            => Sequential(Enumerable.Range(0, repeats).Select(i => ($"{i}", (Module<Tensor, Tensor>)new Unit(i == 0 ? inputs : outputs, outputs, i == 0 ? 2 : 1))).ToArray());

        public override Tensor forward(Tensor input)
        {
            using var scope = NewDisposeScope();
            var x = conv5.call(stage4.call(stage3.call(stage2.call(maxpool.call(conv1.call(input))))));
            return fc.call(x.mean([2, 3])).MoveToOuterDisposeScope();
        }
    }
}
