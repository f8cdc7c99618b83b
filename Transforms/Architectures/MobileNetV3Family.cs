using MLExtensions.TorchVision;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torchvision;

namespace MLExtensions.Architectures;

/// <summary>
/// torchvision's MobileNetV3 Large and Small: the feature blocks grouped by resolution (5 stages) and
/// <c>classifier.0</c>, head <c>classifier.3</c>.
/// </summary>
internal sealed class MobileNetV3Family : TorchVisionFamily
{
    internal override string Name => "torchvision MobileNetV3";

    private protected override IReadOnlyDictionary<TorchVisionModel, Func<NetworkDescription, nn.Module<Tensor, Tensor>>> Variants { get; } =
        new Dictionary<TorchVisionModel, Func<NetworkDescription, nn.Module<Tensor, Tensor>>>
        {
            [TorchVisionModel.MobileNetV3Large] = d => Build(TorchVisionModel.MobileNetV3Large, models.mobilenet_v3_large(), d),
            [TorchVisionModel.MobileNetV3Small] = d => Build(TorchVisionModel.MobileNetV3Small, models.mobilenet_v3_small(), d),
        };

    internal override string HeadName(TorchVisionModel model) => "classifier.3";

    internal override IReadOnlyList<NetworkStage> Stages(NetworkDescription description, nn.Module network)
        => description.TorchVisionModel == TorchVisionModel.MobileNetV3Large
            ? [.. FeatureRanges((0, 1), (2, 3), (4, 6), (7, 12), (13, 16)), new("classifier.0", "classifier.0")]
            : [.. FeatureRanges((0, 0), (1, 1), (2, 3), (4, 8), (9, 12)), new("classifier.0", "classifier.0")];

    // TorchVision's mobilenet_v3_* take no class count and ignore a re-registered classifier, so the network is
    // re-assembled from their features and pooling with a classifier whose last layer has the class count.
    private static nn.Module<Tensor, Tensor> Build(TorchVisionModel model, nn.Module<Tensor, Tensor> imageNet, NetworkDescription description)
    {
        int classes = description.ClassCount;
        if (classes == ImageNetClasses)
            return Wrap(imageNet, description);
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
        return new TorchVisionNetwork(model.ToString(),
            [("features", features), ("avgpool", pool), ("classifier", classifier)],
            x => classifier.call(pool.call(features.call(x)).flatten(1)), description);
    }
}
