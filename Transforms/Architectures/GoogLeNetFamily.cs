using MLExtensions.TorchVision;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MLExtensions.Architectures;

/// <summary>
/// torchvision's GoogLeNet (Szegedy et al. 2015), written here with torchvision's module names: a stem (<c>conv1</c>
/// to <c>conv3</c>), nine Inception modules (<c>inception3a</c> to <c>inception5b</c>) between max poolings, then the
/// classifier <c>fc</c>. It is built without the two auxiliary classifiers (torchvision's <c>aux_logits=False</c>):
/// they serve only its original training, so a weights file's <c>aux1.*</c> and <c>aux2.*</c> entries are left
/// out when it is read. Stages: the stem, the 3, 4 and 5 Inception groups.
/// </summary>
internal sealed class GoogLeNetFamily : TorchVisionFamily
{
    internal override string Name => "torchvision GoogLeNet";

    private protected override IReadOnlyDictionary<TorchVisionModel, Func<NetworkDescription, nn.Module<Tensor, Tensor>>> Variants { get; } =
        new Dictionary<TorchVisionModel, Func<NetworkDescription, nn.Module<Tensor, Tensor>>>
        {
            [TorchVisionModel.GoogLeNet] = d => Wrap(new GoogLeNet(d.ClassCount), d),
        };

    internal override string HeadName(TorchVisionModel model) => "fc";

    // torchvision's GoogLeNet weights are the original paper's, which expect pixels scaled to [−1, 1]: its builder turns
    // ImageNet-standardized input back into that (transform_input), which is the same as standardizing with 0.5 and 0.5.
    internal override InputPreset PretrainedInput(TorchVisionModel model) => new(224, [0.5f, 0.5f, 0.5f], [0.5f, 0.5f, 0.5f]);

    internal override bool IsTrainingOnlyWeight(string name) => name.StartsWith("aux1.", StringComparison.Ordinal) || name.StartsWith("aux2.", StringComparison.Ordinal);

    internal override IReadOnlyList<NetworkStage> Stages(NetworkDescription description, nn.Module network)
        => [new("conv1-3", "conv1", "conv2", "conv3"), new("inception3", "inception3a", "inception3b"),
            new("inception4", "inception4a", "inception4b", "inception4c", "inception4d", "inception4e"), new("inception5", "inception5a", "inception5b")];

    /// <summary>torchvision's <c>BasicConv2d</c>: convolution without bias, batch norm (epsilon 0.001), ReLU.</summary>
    private sealed class BasicConv2d : Module<Tensor, Tensor>
    {
        private readonly Module<Tensor, Tensor> conv, bn;

        internal BasicConv2d(long inputs, long outputs, long kernel, long stride = 1, long padding = 0) : base(nameof(BasicConv2d))
        {
            conv = Conv2d(inputs, outputs, kernel, stride: stride, padding: padding, bias: false);
            bn = BatchNorm2d(outputs, eps: 1e-3);
            RegisterComponents();
        }

        public override Tensor forward(Tensor input)
        {
            using var scope = NewDisposeScope();
            return functional.relu(bn.call(conv.call(input))).MoveToOuterDisposeScope();
        }
    }

    /// <summary>Four branches concatenated: 1×1; 1×1 then 3×3; 1×1 then 3×3 (torchvision's, where the paper has 5×5); 3×3 max pooling then 1×1.</summary>
    private sealed class Inception : Module<Tensor, Tensor>
    {
        private readonly Module<Tensor, Tensor> branch1, branch2, branch3, branch4;

        internal Inception(long inputs, long ones, long reduced3, long out3, long reduced5, long out5, long poolProjection) : base(nameof(Inception))
        {
            branch1 = new BasicConv2d(inputs, ones, 1);
            branch2 = Sequential(("0", new BasicConv2d(inputs, reduced3, 1)), ("1", new BasicConv2d(reduced3, out3, 3, padding: 1)));
            branch3 = Sequential(("0", new BasicConv2d(inputs, reduced5, 1)), ("1", new BasicConv2d(reduced5, out5, 3, padding: 1)));
            branch4 = Sequential(("0", MaxPool2d(3, stride: 1, padding: 1, ceil_mode: true)), ("1", new BasicConv2d(inputs, poolProjection, 1)));
            RegisterComponents();
        }

        public override Tensor forward(Tensor input)
        {
            using var scope = NewDisposeScope();
            return cat([branch1.call(input), branch2.call(input), branch3.call(input), branch4.call(input)], 1).MoveToOuterDisposeScope();
        }
    }

    private sealed class GoogLeNet : Module<Tensor, Tensor>
    {
        private readonly Module<Tensor, Tensor> conv1, maxpool1, conv2, conv3, maxpool2, inception3a, inception3b, maxpool3, inception4a, inception4b,
            inception4c, inception4d, inception4e, maxpool4, inception5a, inception5b, avgpool, dropout, fc;

        internal GoogLeNet(int classes) : base("GoogLeNet")
        {
            conv1 = new BasicConv2d(3, 64, 7, stride: 2, padding: 3);
            maxpool1 = MaxPool2d(3, stride: 2, ceil_mode: true);
            conv2 = new BasicConv2d(64, 64, 1);
            conv3 = new BasicConv2d(64, 192, 3, padding: 1);
            maxpool2 = MaxPool2d(3, stride: 2, ceil_mode: true);
            inception3a = new Inception(192, 64, 96, 128, 16, 32, 32);
            inception3b = new Inception(256, 128, 128, 192, 32, 96, 64);
            maxpool3 = MaxPool2d(3, stride: 2, ceil_mode: true);
            inception4a = new Inception(480, 192, 96, 208, 16, 48, 64);
            inception4b = new Inception(512, 160, 112, 224, 24, 64, 64);
            inception4c = new Inception(512, 128, 128, 256, 24, 64, 64);
            inception4d = new Inception(512, 112, 144, 288, 32, 64, 64);
            inception4e = new Inception(528, 256, 160, 320, 32, 128, 128);
            maxpool4 = MaxPool2d(2, stride: 2, ceil_mode: true);
            inception5a = new Inception(832, 256, 160, 320, 32, 128, 128);
            inception5b = new Inception(832, 384, 192, 384, 48, 128, 128);
            avgpool = AdaptiveAvgPool2d(1);
            dropout = Dropout(0.2);
            fc = Linear(1024, classes);
            RegisterComponents();
            // torchvision's: truncated-normal (std 0.01, cut at ±2) convolutions and linear layers, unit batch norms.
            Initialize(this, convolution => Blocks.TruncatedNormal.Fill(convolution.weight, std: 0.01), linear => Blocks.TruncatedNormal.Fill(linear.weight, std: 0.01));
        }

        public override Tensor forward(Tensor input)
        {
            using var scope = NewDisposeScope();
            var x = maxpool2.call(conv3.call(conv2.call(maxpool1.call(conv1.call(input)))));
            x = maxpool3.call(inception3b.call(inception3a.call(x)));
            x = maxpool4.call(inception4e.call(inception4d.call(inception4c.call(inception4b.call(inception4a.call(x))))));
            x = avgpool.call(inception5b.call(inception5a.call(x))).flatten(1);
            return fc.call(dropout.call(x)).MoveToOuterDisposeScope();
        }
    }
}
