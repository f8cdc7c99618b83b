using Microsoft.ML;
using Microsoft.ML.Data;
using MLExtensions.Cnn;
using static TorchSharp.torch;

namespace MLExtensions.UnitTests;

/// <summary>Filter pruning of torchvision ResNets: basic blocks (ResNet-18) and bottlenecks (ResNet-50), with identity and projection shortcuts.</summary>
[TestClass]
public sealed class TorchVisionPruningTests
{
    private static readonly ImageShape Shape = new(3, 32, 32);

    [TestMethod]
    [DataRow(TorchVisionModel.ResNet18)]
    [DataRow(TorchVisionModel.ResNet50)]
    public void BlocksBuiltAtFullWidthComputeExactlyWhatTorchVisionsOwnBlocksCompute(TorchVisionModel architecture)
    {
        var own = Model(architecture);
        var narrow = Describe(architecture) with { InnerWidths = TorchVision.TorchVisionResNetLayout.Of(architecture)!.DefaultInnerWidths() };
        using var rebuilt = NetworkFactory.Create(narrow);
        rebuilt.load_state_dict(own.Network.state_dict(), strict: true);
        rebuilt.eval();

        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var images = Images(4, seed: 2);
        Assert.IsTrue(WeightsAssert.Identical(own.Network.forward(images), rebuilt.forward(images)), "the rebuilt blocks compute something else");
    }

    [TestMethod]
    [DataRow(TorchVisionModel.ResNet18, 64, 8, 0.5)]
    [DataRow(TorchVisionModel.ResNet50, 64, 32, 0.25)]
    public void PrunedTorchVisionResNetComputesWhatTheNetworkWithThoseFiltersZeroedComputes(TorchVisionModel architecture, int firstWidth, int expectedLayers, double fraction)
    {
        var model = Model(architecture);
        var layers = model.PrunableLayers();
        Assert.AreEqual(expectedLayers, layers.Count);
        Assert.AreEqual(firstWidth, layers["layer1.0.conv1"]);

        var options = new FilterPruningOptions { Fraction = fraction, LayerFractions = new Dictionary<string, double> { ["layer4.1.conv1"] = 0.75 } };
        var pruned = model.PruneFilters(options);
        Assert.AreEqual(firstWidth - (int)Math.Round(firstWidth * fraction), pruned.PrunableLayers()["layer1.0.conv1"]);
        Assert.AreEqual(layers["layer4.1.conv1"] / 4, pruned.PrunableLayers()["layer4.1.conv1"]);
        Assert.IsTrue(FilterPruningTests.Parameters(pruned) < FilterPruningTests.Parameters(model), "nothing was removed");
        FilterPruningTests.AssertSameAsZeroed(model, pruned, options, Images(3, seed: 7));
    }

    [TestMethod]
    public void APrunedTorchVisionResNetSavesSmallerAndLoadsBackBitForBit()
    {
        var model = Model(TorchVisionModel.ResNet18);
        var pruned = model.PruneFilters(0.5);
        var ml = new MLContext(1);
        var schema = SchemaDefinition.Create(typeof(ImageRow));
        schema[nameof(ImageRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, 3, 32, 32);
        var data = ml.Data.LoadFromEnumerable(TestData.RandomImages(5, 3 * 32 * 32, seed: 3).Select(p => new ImageRow { Features = p }), schema);
        using var directory = new TempDirectory();
        string full = Path.Combine(directory.Path, "full.zip"), small = Path.Combine(directory.Path, "pruned.zip");
        ml.Model.Save(model, data.Schema, full);
        ml.Model.Save(pruned, data.Schema, small);

        Assert.IsTrue(new FileInfo(small).Length < new FileInfo(full).Length * 0.75, $"{new FileInfo(small).Length} bytes against {new FileInfo(full).Length}");
        var loaded = (ImageCnnTransformer)new MLContext().Model.Load(small, out _);
        Assert.AreEqual(pruned.Description, loaded.Description);
        var expected = CnnTestData.Scores(pruned, data);
        var actual = CnnTestData.Scores(loaded, data);
        for (int i = 0; i < expected.Length; i++)
            CollectionAssert.AreEqual(expected[i], actual[i], $"row {i}");
    }

    [TestMethod]
    public void ResNeXtAndOtherTorchVisionNetworksAreRefusedByName()
    {
        foreach (var architecture in new[] { TorchVisionModel.ResNeXt50_32x4d, TorchVisionModel.MobileNetV2 })
            TestAssert.MessageContains(Assert.ThrowsExactly<NotSupportedException>(() => Model(architecture).PruneFilters(0.5)), architecture.ToString(), "ResNet18");
    }

    private static NetworkDescription Describe(TorchVisionModel architecture) => new()
    {
        Architecture = CnnArchitecture.TorchVision, TorchVisionModel = architecture, InputShape = Shape, ClassCount = 10,
    };

    /// <summary>An untrained torchvision model with random BatchNorm scales, shifts and statistics, so zeroed channels differ from live ones.</summary>
    private static ImageCnnTransformer Model(TorchVisionModel architecture)
    {
        var description = Describe(architecture);
        var network = NetworkFactory.Create(description);
        random.manual_seed(11);
        using (no_grad())
            foreach (var (name, value) in network.state_dict().Where(p => p.Key.Contains(".bn") || p.Key.StartsWith("bn1") || p.Key.Contains("downsample.1")))
            {
                if (name.EndsWith("running_var"))
                    value.copy_(rand_like(value) + 0.5);
                else if (value.is_floating_point())
                    value.copy_(randn_like(value) * 0.5 + (name.EndsWith(".weight") ? 1 : 0));
            }
        network.eval();
        return new ImageCnnTransformer(description, network, CPU, LabelKeys.FromNames(null, 10), "Features", "Score", "PredictedLabel",
            new TrainingHistory([], TrainingStopReason.Completed, 0, 0));
    }

    private static Tensor Images(int count, int seed)
    {
        random.manual_seed(seed);
        return rand(count, Shape.Channels, Shape.Height, Shape.Width);
    }

    private sealed class ImageRow
    {
        public float[] Features { get; set; } = [];
    }
}
