using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MLExtensions.Cnn;

/// <summary>
/// [input standardization], [torchvision's downsampling stem], conv-norm-act-maxpool ×2, [adaptive average pooling],
/// flatten, [linear-act-dropout], linear: the classic small image classifier. On large images the stem brings the
/// convolutions down to small-image cost and the pooling keeps the classifier small.
/// </summary>
internal sealed class SimpleConvNet : Module<Tensor, Tensor>
{
    private readonly Module<Tensor, Tensor> input;
    private readonly Module<Tensor, Tensor> stem;
    private readonly Module<Tensor, Tensor> features;
    private readonly Module<Tensor, Tensor> classifier;

    public SimpleConvNet(NetworkDescription description) : base(nameof(SimpleConvNet))
    {
        if (description.Widths.Count != 2)
            throw new ArgumentException($"SimpleConvNet has two conv stages, so Widths needs 2 values, got {description.Widths.Count}.");
        var shape = description.InputShape;
        int w1 = description.Widths[0], w2 = description.Widths[1];
        input = InputLayers.Standardization(description);
        var pooled = description.PooledSize;
        stem = description.DownsamplingStem ? Layers.DownsamplingStem(description, w1) : Identity();
        features = Sequential(
            ("conv1", Layers.Conv3x3(description.DownsamplingStem ? w1 : shape.Channels, w1)),
            ("norm1", Layers.Normalization(description.Normalization, w1, description.NormalizationGroups)),
            ("act1", Layers.Activation(description.Activation)),
            ("pool1", MaxPool2d(2)),
            ("conv2", Layers.Conv3x3(w1, w2)),
            ("norm2", Layers.Normalization(description.Normalization, w2, description.NormalizationGroups)),
            ("act2", Layers.Activation(description.Activation)),
            ("pool2", MaxPool2d(2)),
            ("pooled", pooled > 0 ? AdaptiveAvgPool2d(pooled) : Identity()),
            ("flatten", Flatten()));
        int flat = pooled > 0 ? w2 * pooled * pooled : w2 * FeatureSide(shape.Height, description) * FeatureSide(shape.Width, description);
        if (flat == 0)
            throw new ArgumentException($"SimpleConvNet pools twice by 2, so images must be at least 4×4; got {shape}.");
        classifier = description.HiddenUnits > 0
            ? Sequential(
                ("hidden", Linear(flat, description.HiddenUnits)),
                ("act", Layers.Activation(description.Activation)),
                ("dropout", Dropout(description.Dropout)),
                ("output", Linear(description.HiddenUnits, description.ClassCount)))
            : Sequential(
                ("dropout", Dropout(description.Dropout)),
                ("output", Linear(flat, description.ClassCount)));
        RegisterComponents();
    }

    public override Tensor forward(Tensor image)
    {
        using var scope = NewDisposeScope();
        return classifier.call(features.call(stem.call(input.call(image)))).MoveToOuterDisposeScope();
    }

    // The stem's 7×7/2 convolution and 3×3/2 pooling (both padded) each give ceil(side / 2); the stages then halve twice.
    private static int FeatureSide(int side, NetworkDescription description)
    {
        if (description.DownsamplingStem)
            side = (side + 3) / 4;
        return side / 4;
    }
}
