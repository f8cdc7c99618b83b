using MLExtensions.Native;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torchvision;

namespace MLExtensions.TorchVision;

/// <summary>
/// Builds the <see cref="TorchVisionModel"/> a <see cref="NetworkDescription"/> names, with a classifier for its class
/// count and torchvision's parameter names, so that PyTorch's state dicts load into it and its own load into PyTorch.
/// </summary>
/// <summary>torchvision architectures that share a layout (parameter names, head, stages).</summary>
internal enum TorchVisionFamily { ResNet, MobileNetV2, MobileNetV3, VGG }

internal static class TorchVisionNetworks
{
    /// <summary>Class count of the ImageNet heads torchvision's weights come with.</summary>
    internal const int ImageNetClasses = 1000;

    /// <summary>The input size torchvision's ImageNet weights were trained and evaluated at.</summary>
    internal const int ImageNetInputSize = 224;

    internal static readonly float[] ImageNetMeans = [0.485f, 0.456f, 0.406f];
    internal static readonly float[] ImageNetStandardDeviations = [0.229f, 0.224f, 0.225f];

    internal static nn.Module<Tensor, Tensor> Create(NetworkDescription description)
    {
        TorchRuntime.EnsureAvailable();
        var model = description.TorchVisionModel ?? throw new ArgumentException("A TorchVision network description must name its TorchVisionModel.", nameof(description));
        if (description.WidthMultiplier != 1 && model != TorchVisionModel.MobileNetV2)
            throw new ArgumentException($"Only MobileNetV2 takes a width multiplier; {model} was given {description.WidthMultiplier}.", nameof(description));
        int classes = description.ClassCount;
        return model switch
        {
            TorchVisionModel.MobileNetV3Large or TorchVisionModel.MobileNetV3Small => MobileNetV3(model, classes, description),
            _ when description.InnerWidths.Count > 0 => new TorchVisionNetwork(model.ToString(), NarrowResNet(model, classes, description.InnerWidths), description),
            _ => new TorchVisionNetwork(model.ToString(), Build(model, classes, description.WidthMultiplier), description),
        };
    }

    /// <summary>The module name of the classifier layer that maps pooled features to class scores.</summary>
    internal static string HeadName(TorchVisionModel model) => Family(model) switch
    {
        TorchVisionFamily.ResNet => "fc",
        TorchVisionFamily.MobileNetV2 => "classifier.1",
        TorchVisionFamily.MobileNetV3 => "classifier.3",
        _ => "classifier.6",
    };

    internal static TorchVisionFamily Family(TorchVisionModel model) => model switch
    {
        TorchVisionModel.MobileNetV2 => TorchVisionFamily.MobileNetV2,
        TorchVisionModel.MobileNetV3Large or TorchVisionModel.MobileNetV3Small => TorchVisionFamily.MobileNetV3,
        >= TorchVisionModel.VGG11 => TorchVisionFamily.VGG,
        _ => TorchVisionFamily.ResNet,
    };

    private static nn.Module<Tensor, Tensor> Build(TorchVisionModel model, int classes, double widthMultiplier) => model switch
    {
        TorchVisionModel.ResNet18 => models.resnet18(classes),
        TorchVisionModel.ResNet34 => models.resnet34(classes),
        TorchVisionModel.ResNet50 => models.resnet50(classes),
        TorchVisionModel.ResNet101 => models.resnet101(classes),
        TorchVisionModel.ResNet152 => models.resnet152(classes),
        TorchVisionModel.ResNeXt50_32x4d => models.resnext50_32x4d(classes),
        TorchVisionModel.WideResNet50_2 => models.wide_resnet50_2(classes),
        TorchVisionModel.WideResNet101_2 => models.wide_resnet101_2(classes),
        TorchVisionModel.MobileNetV2 => models.mobilenet_v2(classes, widthMultiplier),
        TorchVisionModel.VGG11 => models.vgg11(classes),
        TorchVisionModel.VGG11BN => models.vgg11_bn(classes),
        TorchVisionModel.VGG13 => models.vgg13(classes),
        TorchVisionModel.VGG13BN => models.vgg13_bn(classes),
        TorchVisionModel.VGG16 => models.vgg16(classes),
        TorchVisionModel.VGG16BN => models.vgg16_bn(classes),
        TorchVisionModel.VGG19 => models.vgg19(classes),
        TorchVisionModel.VGG19BN => models.vgg19_bn(classes),
        _ => throw new ArgumentOutOfRangeException(nameof(model), model, "Unknown torchvision model."),
    };

    /// <summary>
    /// A torchvision ResNet whose blocks have the given inner widths (a pruned one): torchvision's own network around
    /// blocks built here, so every name and operation outside the blocks is torchvision's.
    /// </summary>
    private static nn.Module<Tensor, Tensor> NarrowResNet(TorchVisionModel model, int classes, IReadOnlyList<int> innerWidths)
    {
        var layout = TorchVisionResNetLayout.Of(model)
            ?? throw new ArgumentException($"Only torchvision ResNets (not {model}) can have pruned inner widths.");
        int perBlock = layout.InnerConvolutionsPerBlock, blockCount = layout.BlocksPerLayer.Sum();
        if (innerWidths.Count != blockCount * perBlock || innerWidths.Any(w => w <= 0))
            throw new ArgumentException($"{model} needs {blockCount * perBlock} positive inner widths ({perBlock} per block); got [{string.Join(", ", innerWidths)}].");
        int next = 0;
        TorchSharp.Modules.ResNet.BlockFunc block = (inputs, planes, stride, downsample, _, _, _, _) =>
        {
            int outputs = planes * (layout.Bottleneck ? 4 : 1), inner1 = innerWidths[next++];
            return layout.Bottleneck
                ? new NarrowBottleneck(inputs, inner1, innerWidths[next++], outputs, stride, downsample)
                : new NarrowBasicBlock(inputs, inner1, outputs, stride, downsample);
        };
        return new TorchSharp.Modules.ResNet(model.ToString(), block, layout.Bottleneck ? 4 : 1, layout.BlocksPerLayer, classes, width_per_group: layout.WidthPerGroup);
    }

    // TorchVision's mobilenet_v3_* take no class count and ignore a re-registered classifier, so the network is
    // re-assembled from their features and pooling with a classifier whose last layer has the class count.
    private static nn.Module<Tensor, Tensor> MobileNetV3(TorchVisionModel model, int classes, NetworkDescription description)
    {
        var imageNet = model == TorchVisionModel.MobileNetV3Large ? models.mobilenet_v3_large() : models.mobilenet_v3_small();
        if (classes == ImageNetClasses)
            return new TorchVisionNetwork(model.ToString(), imageNet, description);
        var parts = imageNet.named_children().ToDictionary(c => c.name, c => (nn.Module<Tensor, Tensor>)c.module);
        var oldClassifier = parts["classifier"].named_children().Select(c => (c.name, (nn.Module<Tensor, Tensor>)c.module)).ToList();
        var lastLayer = (TorchSharp.Modules.Linear)oldClassifier[^1].Item2;
        var head = nn.Linear(lastLayer.in_features, classes);
        using (no_grad())
        {
            nn.init.normal_(head.weight, 0, 0.01);
            nn.init.zeros_(head.bias!);
        }
        oldClassifier[^1] = (oldClassifier[^1].name, head);
        var features = parts["features"];
        var pool = parts["avgpool"];
        var classifier = nn.Sequential(oldClassifier);
        var network = new TorchVisionNetwork(model.ToString(),
            [("features", features), ("avgpool", pool), ("classifier", classifier)],
            x => classifier.call(pool.call(features.call(x)).flatten(1)), description);
        return network;
    }
}
