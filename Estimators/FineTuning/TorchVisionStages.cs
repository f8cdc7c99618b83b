using MLExtensions.TorchVision;
using static TorchSharp.torch;

namespace MLExtensions.FineTuning;

/// <summary>
/// The natural stages of a torchvision network, from the input up, as the module names each is made of: a stage
/// ends where the resolution halves (ResNet's layer1-4; MobileNet's feature blocks grouped by resolution; VGG's
/// convolutions up to each max pooling), then the fully-connected layers below the classifier.
/// </summary>
internal static class TorchVisionStages
{
    internal static IReadOnlyList<(string Name, string[] Modules)> Of(TorchVisionModel model, nn.Module network)
        => TorchVisionNetworks.Family(model) switch
        {
            TorchVisionFamily.ResNet => [("stem", ["conv1", "bn1"]), ("layer1", ["layer1"]), ("layer2", ["layer2"]), ("layer3", ["layer3"]), ("layer4", ["layer4"])],
            TorchVisionFamily.MobileNetV2 => FeatureRanges((0, 1), (2, 3), (4, 6), (7, 13), (14, 18)),
            TorchVisionFamily.MobileNetV3 when model == TorchVisionModel.MobileNetV3Large => [.. FeatureRanges((0, 1), (2, 3), (4, 6), (7, 12), (13, 16)), ("classifier.0", ["classifier.0"])],
            TorchVisionFamily.MobileNetV3 => [.. FeatureRanges((0, 0), (1, 1), (2, 3), (4, 8), (9, 12)), ("classifier.0", ["classifier.0"])],
            _ => [.. VggStages(network), ("classifier.0", ["classifier.0"]), ("classifier.3", ["classifier.3"])],
        };

    private static (string, string[])[] FeatureRanges(params (int First, int Last)[] ranges)
        => ranges.Select(r => (
                r.First == r.Last ? $"features.{r.First}" : $"features.{r.First}-{r.Last}",
                Enumerable.Range(r.First, r.Last - r.First + 1).Select(i => $"features.{i}").ToArray()))
            .ToArray();

    // VGG's features are single layers; each stage runs up to and including a max pooling.
    private static IEnumerable<(string, string[])> VggStages(nn.Module network)
    {
        var features = network.named_children().Single(c => c.name == "features").module.named_children().ToList();
        var stage = new List<string>();
        foreach (var (name, layer) in features)
        {
            stage.Add($"features.{name}");
            if (layer is TorchSharp.Modules.MaxPool2d)
            {
                yield return ($"features.{stage[0]["features.".Length..]}-{name}", stage.ToArray());
                stage = [];
            }
        }
        if (stage.Count > 0)
            yield return ($"features.{stage[0]["features.".Length..]}-{features[^1].name}", stage.ToArray());
    }
}
