using MLExtensions.TorchVision;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torchvision;

namespace MLExtensions.Architectures;

/// <summary>
/// torchvision's VGG 11/13/16/19, with and without batch normalization: the convolutions up to each max pooling (5
/// stages), <c>classifier.0</c> and <c>classifier.3</c>, head <c>classifier.6</c>.
/// </summary>
internal sealed class VggFamily : TorchVisionFamily
{
    internal override string Name => "torchvision VGG";

    private protected override IReadOnlyDictionary<TorchVisionModel, Func<NetworkDescription, nn.Module<Tensor, Tensor>>> Variants { get; } =
        new Dictionary<TorchVisionModel, Func<NetworkDescription, nn.Module<Tensor, Tensor>>>
        {
            [TorchVisionModel.VGG11] = d => Wrap(models.vgg11(d.ClassCount), d),
            [TorchVisionModel.VGG11BN] = d => Wrap(models.vgg11_bn(d.ClassCount), d),
            [TorchVisionModel.VGG13] = d => Wrap(models.vgg13(d.ClassCount), d),
            [TorchVisionModel.VGG13BN] = d => Wrap(models.vgg13_bn(d.ClassCount), d),
            [TorchVisionModel.VGG16] = d => Wrap(models.vgg16(d.ClassCount), d),
            [TorchVisionModel.VGG16BN] = d => Wrap(models.vgg16_bn(d.ClassCount), d),
            [TorchVisionModel.VGG19] = d => Wrap(models.vgg19(d.ClassCount), d),
            [TorchVisionModel.VGG19BN] = d => Wrap(models.vgg19_bn(d.ClassCount), d),
        };

    internal override string HeadName(TorchVisionModel model) => "classifier.6";

    internal override IReadOnlyList<NetworkStage> Stages(NetworkDescription description, nn.Module network)
        => [.. ConvolutionStages(network), new("classifier.0", "classifier.0"), new("classifier.3", "classifier.3")];

    // VGG's features are single layers; each stage runs up to and including a max pooling.
    private static IEnumerable<NetworkStage> ConvolutionStages(nn.Module network)
    {
        var features = network.named_children().Single(c => c.name == "features").module.named_children().ToList();
        var stage = new List<string>();
        foreach (var (name, layer) in features)
        {
            stage.Add($"features.{name}");
            if (layer is TorchSharp.Modules.MaxPool2d)
            {
                yield return new($"features.{stage[0]["features.".Length..]}-{name}", stage.ToArray());
                stage = [];
            }
        }
        if (stage.Count > 0)
            yield return new($"features.{stage[0]["features.".Length..]}-{features[^1].name}", stage.ToArray());
    }
}
