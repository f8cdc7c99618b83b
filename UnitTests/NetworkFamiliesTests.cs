using MLExtensions.Architectures;
using MLExtensions.Cnn;
using MLExtensions.FineTuning;

namespace MLExtensions.UnitTests;

[TestClass]
public sealed class NetworkFamiliesTests
{
    private static NetworkDescription TorchVision(TorchVisionModel model)
        => new() { Architecture = CnnArchitecture.TorchVision, TorchVisionModel = model, InputShape = new ImageShape(3, 32, 32), ClassCount = 5 };

    [TestMethod]
    public void EveryTorchVisionModelBelongsToExactlyOneFamily()
    {
        var families = Enum.GetValues<TorchVisionModel>().Select(model => NetworkFamilies.Of(TorchVision(model))).ToList();
        Assert.IsTrue(families.All(f => f is TorchVisionFamily));
        foreach (var family in NetworkFamilies.All.OfType<TorchVisionFamily>())
            CollectionAssert.AreEquivalent(
                Enum.GetValues<TorchVisionModel>().Where(m => NetworkFamilies.Of(TorchVision(m)) == family).ToArray(), family.Models.ToArray(), family.Name);
        Assert.AreEqual(NetworkFamilies.All.Count, NetworkFamilies.All.Select(f => f.Name).Distinct().Count(), "family names are unique");
    }

    [TestMethod]
    public void ADescriptionNoFamilyBuildsIsAnErrorNotAGuess()
    {
        var unknown = TorchVision((TorchVisionModel)999);
        TestAssert.MessageContains(Assert.ThrowsExactly<ArgumentException>(() => NetworkFamilies.Of(unknown)), "999", "No network family");
        TestAssert.MessageContains(Assert.ThrowsExactly<ArgumentException>(() => NetworkFactory.Create(TorchVision(TorchVisionModel.ResNet18) with { WidthMultiplier = 0.5 })),
            "ResNet18", "width multiplier");
    }

    public static IEnumerable<object[]> OneOfEachFamily() =>
    [
        [new NetworkDescription { Architecture = CnnArchitecture.SimpleConvNet, InputShape = new ImageShape(3, 64, 64), ClassCount = 4, DownsamplingStem = true, PooledSize = 4 }],
        [new NetworkDescription { Architecture = CnnArchitecture.SimpleConvNet, InputShape = new ImageShape(1, 28, 28), ClassCount = 4, HiddenUnits = 0 }],
        [new NetworkDescription { Architecture = CnnArchitecture.ResNet, InputShape = new ImageShape(3, 64, 64), ClassCount = 4, Widths = [8, 16], Blocks = [1, 2], DownsamplingStem = true }],
        [TorchVision(TorchVisionModel.ResNet18)],
        [TorchVision(TorchVisionModel.MobileNetV2) with { WidthMultiplier = 0.25 }],
        [TorchVision(TorchVisionModel.MobileNetV3Small)],
        [TorchVision(TorchVisionModel.VGG11BN)],
        [TorchVision(TorchVisionModel.SqueezeNet1_0)],
        [TorchVision(TorchVisionModel.DenseNet121)],
        [TorchVision(TorchVisionModel.ShuffleNetV2_x1_0)],
        [TorchVision(TorchVisionModel.MnasNet0_5)],
        [TorchVision(TorchVisionModel.EfficientNetB0)],
        [TorchVision(TorchVisionModel.EfficientNetV2S)],
        [TorchVision(TorchVisionModel.ConvNeXtTiny)],
        [TorchVision(TorchVisionModel.RegNetX_400MF)],
        [TorchVision(TorchVisionModel.RegNetY_400MF)],
    ];

    [TestMethod]
    [DynamicData(nameof(OneOfEachFamily))]
    public void EveryParameterIsInAFineTuningStageOrTheHead(NetworkDescription description)
    {
        using var network = NetworkFactory.Create(description);
        var blocks = NetworkBlocks.Of(description, network);
        var named = network.named_parameters().Select(p => p.parameter).ToList();
        var inBlocks = blocks.Body.Append(blocks.Head).SelectMany(b => b.Parameters).ToList();
        Assert.AreEqual(named.Count, inBlocks.Count, "each parameter in exactly one block");
        Assert.IsTrue(named.All(p => inBlocks.Any(b => ReferenceEquals(b, p))), "every parameter is in a block");
        Assert.IsTrue(blocks.Body.Count >= 2, $"{blocks.Body.Count} stages");
    }
}
