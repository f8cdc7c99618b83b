using Microsoft.ML;
using Microsoft.ML.Data;
using MLExtensions.Cnn;
using MLExtensions.Pruning;
using static TorchSharp.torch;

namespace MLExtensions.UnitTests;

[TestClass]
public sealed class FilterPruningTests
{
    [TestMethod]
    public void PrunedSimpleConvNetComputesWhatTheNetworkWithThoseFiltersZeroedComputes()
    {
        var data = CnnTestData.Load();
        var model = CnnTestData.Fit(data, CnnTestData.Tiny(o => o.Widths = [8, 12]));
        var pruned = model.PruneFilters(0.5);

        CollectionAssert.AreEqual(new[] { 4, 6 }, pruned.Description.Widths.ToArray());
        AssertSameAsZeroed(model, pruned, new FilterPruningOptions { Fraction = 0.5 }, Images(data.Test, 1, 28, 28));
        Assert.IsTrue(Parameters(pruned) < Parameters(model) * 0.6, $"{Parameters(pruned)} of {Parameters(model)} parameters left");
    }

    [TestMethod]
    public void PrunedSimpleConvNetWithTheDownsamplingStemPrunesTheStemByAsMany()
    {
        var (ml, train) = LargeImages();
        var model = ml.MulticlassClassification.Trainers.ImageCnn(new ImageCnnTrainer.Options
        {
            Architecture = CnnArchitecture.SimpleConvNet, Widths = [8, 8], HiddenUnits = 8, Epochs = 1, BatchSize = 8, Seed = 3, Device = ComputeDevice.Cpu,
        }).Fit(train);
        Assert.IsTrue(model.Description.DownsamplingStem, "64×64 images get the downsampling stem");

        var options = new FilterPruningOptions { LayerFractions = new Dictionary<string, double> { ["conv1"] = 0.25, ["conv2"] = 0.75 } };
        var pruned = model.PruneFilters(options);
        CollectionAssert.AreEqual(new[] { 6, 2 }, pruned.Description.Widths.ToArray());
        AssertSameAsZeroed(model, pruned, options, Images(train, 3, 64, 64));
    }

    [TestMethod]
    public void PrunedResNetKeepsItsIdentityAndProjectionShortcutsAndComputesTheSame()
    {
        var data = CnnTestData.Load();
        // Stage 1: identity shortcuts; stage 2's first block halves the resolution through a projection shortcut.
        var model = CnnTestData.Fit(data, CnnTestData.Tiny(o => { o.Architecture = CnnArchitecture.ResNet; o.Widths = [6, 10]; o.Blocks = [2, 2]; }));
        CollectionAssert.AreEquivalent(new[] { "stage1_block1", "stage1_block2", "stage2_block1", "stage2_block2" }, model.PrunableLayers().Keys.ToArray());

        var options = new FilterPruningOptions { Fraction = 0.5, LayerFractions = new Dictionary<string, double> { ["stage2_block2"] = 0.8 } };
        var pruned = model.PruneFilters(options);
        CollectionAssert.AreEqual(new[] { 3, 3, 5, 2 }, pruned.Description.InnerWidths.ToArray());
        CollectionAssert.AreEqual(model.Description.Widths.ToArray(), pruned.Description.Widths.ToArray(), "the residual stream keeps its width");
        AssertSameAsZeroed(model, pruned, options, Images(data.Test, 1, 28, 28));
    }

    [TestMethod]
    public void APrunedModelSavesSmallerAndLoadsBackBitForBit()
    {
        var data = CnnTestData.Load();
        var model = CnnTestData.Fit(data, CnnTestData.Tiny(o => { o.Architecture = CnnArchitecture.ResNet; o.Widths = [8, 16]; o.Blocks = [1, 1]; }));
        var pruned = model.PruneFilters(0.75);
        using var directory = new TempDirectory();
        string full = Path.Combine(directory.Path, "full.zip"), small = Path.Combine(directory.Path, "pruned.zip");
        data.Ml.Model.Save(model, data.Train.Schema, full);
        data.Ml.Model.Save(pruned, data.Train.Schema, small);

        Assert.IsTrue(new FileInfo(small).Length < new FileInfo(full).Length * 0.7, $"{new FileInfo(small).Length} bytes against {new FileInfo(full).Length}");
        var loaded = (ImageCnnTransformer)new MLContext().Model.Load(small, out _);
        Assert.AreEqual(pruned.Description, loaded.Description);
        var expected = CnnTestData.Scores(pruned, data.Test);
        var actual = CnnTestData.Scores(loaded, data.Test);
        for (int i = 0; i < expected.Length; i++)
            CollectionAssert.AreEqual(expected[i], actual[i], $"row {i}");
    }

    [TestMethod]
    public void PruningNothingKeepsTheNetworkAsItWas()
    {
        var data = CnnTestData.Load();
        var model = CnnTestData.Fit(data, CnnTestData.Tiny());
        var same = model.PruneFilters(0);
        Assert.AreEqual(model.Description, same.Description);
        WeightsAssert.BitIdentical(model.Network, same.Network, "pruned by 0");
    }

    [TestMethod]
    public void APrunedNetworkFineTunesWithItsHeadAndKeepsItsSize()
    {
        var data = CnnTestData.Load();
        var pruned = CnnTestData.Fit(data, CnnTestData.Tiny(o => { o.Architecture = CnnArchitecture.ResNet; o.Widths = [8, 16]; o.Blocks = [1, 1]; o.Epochs = 4; }))
            .PruneFilters(0.5);
        var tuned = data.Ml.MulticlassClassification.Trainers.FineTuneImageCnn(new FineTuneTrainer.Options
        {
            Pretrained = PretrainedNetwork.FromModel(pruned), KeepHead = true, Strategy = FineTuneStrategy.Full,
            Epochs = 2, BatchSize = 32, Seed = 1, Device = ComputeDevice.Cpu,
        }).Fit(data.Train);

        CollectionAssert.AreEqual(pruned.Description.InnerWidths.ToArray(), tuned.Description.InnerWidths.ToArray());
        Assert.AreEqual(Parameters(pruned), Parameters(tuned));
        Assert.IsTrue(CnnTestData.Accuracy(data, tuned) > 0.3, $"fine-tuned pruned network: {CnnTestData.Accuracy(data, tuned):P1}");
    }

    [TestMethod]
    public void WhatCannotBePrunedSaysWhy()
    {
        var data = CnnTestData.Load();
        var model = CnnTestData.Fit(data, CnnTestData.Tiny());
        TestAssert.MessageContains(Assert.ThrowsExactly<ArgumentException>(() => model.PruneFilters(new FilterPruningOptions
            { LayerFractions = new Dictionary<string, double> { ["conv3"] = 0.5 } })), "'conv3'", "conv1, conv2");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => model.PruneFilters(1.0));

        var grouped = CnnTestData.Fit(data, CnnTestData.Tiny(o => { o.Normalization = NormalizationKind.GroupNorm; o.Epochs = 1; }));
        TestAssert.MessageContains(Assert.ThrowsExactly<NotSupportedException>(() => grouped.PruneFilters(0.5)), "GroupNorm", "BatchNorm");
    }

    internal static void AssertSameAsZeroed(ImageCnnTransformer model, ImageCnnTransformer pruned, FilterPruningOptions options, Tensor images)
    {
        var (layers, kept, _) = FilterPruning.Plan(model, options);
        using var zeroed = NetworkFactory.Create(model.Description);
        using (no_grad())
            foreach (var (name, value) in zeroed.state_dict())
                value.copy_(model.Network.state_dict()[name]);
        PrunedWeights.ZeroPruned(zeroed, layers, kept);
        zeroed.eval();

        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var expected = zeroed.forward(images);
        var actual = pruned.Network.forward(images);
        double scale = expected.abs().max().item<float>(), difference = (expected - actual).abs().max().item<float>();
        Assert.IsTrue(difference <= 1e-5 * Math.Max(1, scale), $"largest difference {difference:E2} (logits up to {scale:F2})");
        Assert.IsFalse(WeightsAssert.Identical(model.Network.forward(images), actual), "pruning changed nothing: the test would prove nothing");
    }

    private static Tensor Images(IDataView data, int channels, int height, int width)
    {
        var rows = TestData.ReadVectors(data, "Features").Take(16).ToArray();
        return tensor(rows.SelectMany(r => r).ToArray(), [rows.Length, channels, height, width]);
    }

    internal static long Parameters(ImageCnnTransformer model) => model.Network.parameters().Sum(p => p.numel());

    private static (MLContext, IDataView) LargeImages()
    {
        var ml = new MLContext(1);
        var images = TestData.RandomImages(24, 3 * 64 * 64, seed: 5);
        var schema = SchemaDefinition.Create(typeof(LargeImageRow));
        schema[nameof(LargeImageRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, 3, 64, 64);
        var rows = images.Select((p, i) => new LargeImageRow { Features = p, Label = (uint)(i % 3 + 1) });
        return (ml, ml.Data.LoadFromEnumerable(rows, schema));
    }

    private sealed class LargeImageRow
    {
        public float[] Features { get; set; } = [];

        [KeyType(3)]
        public uint Label { get; set; }
    }
}
