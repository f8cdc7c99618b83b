using MLExtensions.TorchVision;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torchvision;

namespace MLExtensions.Architectures;

/// <summary>
/// torchvision's MobileNetV2, at any <c>width_mult</c>: the feature blocks grouped by resolution (5 stages), head
/// <c>classifier.1</c>.
/// </summary>
internal sealed class MobileNetV2Family : TorchVisionFamily
{
    internal override string Name => "torchvision MobileNetV2";

    private protected override IReadOnlyDictionary<TorchVisionModel, Func<NetworkDescription, nn.Module<Tensor, Tensor>>> Variants { get; } =
        new Dictionary<TorchVisionModel, Func<NetworkDescription, nn.Module<Tensor, Tensor>>>
        {
            [TorchVisionModel.MobileNetV2] = d => Wrap(models.mobilenet_v2(d.ClassCount, d.WidthMultiplier), d),
        };

    private protected override bool TakesWidthMultiplier => true;

    internal override string HeadName(TorchVisionModel model) => "classifier.1";

    internal override IReadOnlyList<NetworkStage> Stages(NetworkDescription description, nn.Module network)
        => FeatureRanges((0, 1), (2, 3), (4, 6), (7, 13), (14, 18));
}
