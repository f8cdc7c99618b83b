using Microsoft.ML;
using static TorchSharp.torch;

namespace MLExtensions.UnitTests;

/// <summary>What each strategy freezes and trains, and what the optimizer holds.</summary>
[TestClass]
public sealed class FineTuneStrategyTests
{
    private static FineTuneTestData Data => FineTuneTestData.Instance;

    private static readonly string[] Stage1 = ["features.conv1.", "features.norm1."];
    private static readonly string[] Stage2 = ["features.conv2.", "features.norm2."];
    private static readonly string[] Hidden = ["classifier.hidden."];

    private static (ImageCnnTransformer Model, List<string> Log) FineTune(FineTuneStrategy strategy, Action<FineTuneTrainer.Options>? configure = null)
    {
        var ml = new MLContext(seed: 1);
        var log = new List<string>();
        ml.Log += (_, e) => { lock (log) log.Add(e.Message); };
        var options = FineTuneTestData.Options(PretrainedNetwork.FromModel(Data.Pretrained), strategy, configure);
        return (ml.MulticlassClassification.Trainers.FineTuneImageCnn(options).Fit(Data.NewTrain), log);
    }

    private static void AssertFrozen(Dictionary<string, float[]> before, Dictionary<string, float[]> after, string[] prefixes)
    {
        var names = after.Keys.Where(k => prefixes.Any(p => k.StartsWith(p, StringComparison.Ordinal))).ToArray();
        Assert.AreNotEqual(0, names.Length);
        foreach (var name in names)
            CollectionAssert.AreEqual(before[name], after[name], $"frozen '{name}' changed");
    }

    private static void AssertTrained(Dictionary<string, float[]> before, Dictionary<string, float[]> after, string[] prefixes)
    {
        var weights = after.Keys.Where(k => prefixes.Any(p => k.StartsWith(p, StringComparison.Ordinal)) && k.EndsWith(".weight", StringComparison.Ordinal)).ToArray();
        Assert.AreNotEqual(0, weights.Length);
        foreach (var name in weights)
            Assert.IsFalse(before[name].SequenceEqual(after[name]), $"trainable '{name}' did not change");
    }

    private static int OptimizerTensors(List<string> log, int nth = 0)
    {
        var lines = log.Where(l => l.Contains("the optimizer holds", StringComparison.Ordinal)).ToArray();
        Assert.IsTrue(lines.Length > nth, string.Join("\n", log));
        var text = lines[nth];
        int start = text.IndexOf("holds ", StringComparison.Ordinal) + 6;
        return int.Parse(text[start..text.IndexOf(' ', start)]);
    }

    [TestMethod]
    public void LinearProbeTrainsOnlyTheHeadAndKeepsTheBodyBitIdentical()
    {
        var before = FineTuneTestData.State(Data.Pretrained.Network);
        // Cached features make many epochs cheap: only the 16→5 head runs.
        var (model, log) = FineTune(FineTuneStrategy.LinearProbe, o => { o.Epochs = 30; o.LearningRate = 3e-2; });
        var after = FineTuneTestData.State(model.Network);

        // The whole body, BatchNorm running statistics included: frozen blocks stay in evaluation mode.
        AssertFrozen(before, after, [.. Stage1, .. Stage2, .. Hidden]);
        Assert.AreEqual(5 * 16, after["classifier.output.weight"].Length, "the head is sized for the new label set");
        Assert.AreEqual(2, OptimizerTensors(log), "the optimizer holds the head's weight and bias only");
        Assert.IsTrue(log.Any(l => l.Contains("cached body features", StringComparison.Ordinal)), string.Join("\n", log));
        double accuracy = Data.Accuracy(model);
        Assert.IsTrue(accuracy > 0.4, $"accuracy {accuracy} on five classes (chance 0.2)");
    }

    [TestMethod]
    public void TopBlocksTrainsTheLastBlocksAndTheHead()
    {
        var before = FineTuneTestData.State(Data.Pretrained.Network);
        var (model, log) = FineTune(FineTuneStrategy.TopBlocks(2));
        var after = FineTuneTestData.State(model.Network);

        AssertFrozen(before, after, Stage1);
        AssertTrained(before, after, [.. Stage2, .. Hidden]);
        Assert.AreEqual(7, OptimizerTensors(log)); // conv2 weight (no bias before a norm), norm2, hidden and output weights and biases
    }

    [TestMethod]
    public void FullTrainsEveryParameter()
    {
        var before = FineTuneTestData.State(Data.Pretrained.Network);
        var (model, log) = FineTune(FineTuneStrategy.Full);
        var after = FineTuneTestData.State(model.Network);

        AssertTrained(before, after, [.. Stage1, .. Stage2, .. Hidden]);
        Assert.AreEqual(model.Network.parameters().Count(), OptimizerTensors(log));
    }

    [TestMethod]
    public void GradualUnfreezesOneBlockPerEpochFromTheTop()
    {
        var before = FineTuneTestData.State(Data.Pretrained.Network);
        var (model, log) = FineTune(FineTuneStrategy.Gradual(headEpochs: 1, epochsPerBlock: 1));
        var after = FineTuneTestData.State(model.Network);

        // 3 epochs: the head alone, then + the hidden layer, then + conv stage 2; conv stage 1 is never reached.
        AssertFrozen(before, after, Stage1);
        AssertTrained(before, after, [.. Stage2, .. Hidden]);
        Assert.AreEqual(2, OptimizerTensors(log, 0));
        Assert.AreEqual(4, OptimizerTensors(log, 1));
        Assert.AreEqual(7, OptimizerTensors(log, 2));
        Assert.IsTrue(log.Any(l => l.Contains("from epoch 2, training hidden layer too", StringComparison.Ordinal)), string.Join("\n", log));
    }

    [TestMethod]
    public void EveryOptimizerTakesBlocksAddedWhileTraining()
    {
        foreach (var optimizer in Enum.GetValues<OptimizerKind>())
        {
            var before = FineTuneTestData.State(Data.Pretrained.Network);
            var (model, log) = FineTune(FineTuneStrategy.Gradual(), o => { o.Optimizer = optimizer; o.Epochs = 2; o.LearningRate = 1e-2; });
            Assert.AreEqual(4, OptimizerTensors(log, 1), $"{optimizer}: head + hidden layer in epoch 2");
            AssertTrained(before, FineTuneTestData.State(model.Network), Hidden);
        }
    }

    [TestMethod]
    public void CachedLinearProbeMatchesTheUncachedOne()
    {
        var (cached, _) = FineTune(FineTuneStrategy.LinearProbe);
        var (uncached, log) = FineTune(FineTuneStrategy.LinearProbe, o => o.CacheBodyFeatures = false);
        Assert.IsFalse(log.Any(l => l.Contains("cached body features", StringComparison.Ordinal)));
        var a = FineTuneTestData.State(cached.Network)["classifier.output.weight"];
        var b = FineTuneTestData.State(uncached.Network)["classifier.output.weight"];
        for (int i = 0; i < a.Length; i++)
            Assert.AreEqual(a[i], b[i], 1e-4, $"weight {i}");
    }

    [TestMethod]
    public void LowerRatesForLowerBlocksMoveThemLess()
    {
        var before = FineTuneTestData.State(Data.Pretrained.Network);
        double MaxChange(Dictionary<string, float[]> after, string name) => after[name].Zip(before[name], (x, y) => Math.Abs(x - y)).Max();

        var (uniform, _) = FineTune(FineTuneStrategy.Full, o => o.Optimizer = OptimizerKind.Adam);
        var (discriminative, _) = FineTune(FineTuneStrategy.Full, o => { o.Optimizer = OptimizerKind.Adam; o.BlockLearningRateMultiplier = 0.01; });
        var u = FineTuneTestData.State(uniform.Network);
        var d = FineTuneTestData.State(discriminative.Network);

        // conv1 is 3 blocks below the head: rate × 0.01³. An Adam step moves a weight by at most a few times its rate.
        int steps = 3 * (200 / 32 + 1);
        double bound = steps * 3e-3 * 1e-6 * 4;
        double slow = MaxChange(d, "features.conv1.weight"), fast = MaxChange(u, "features.conv1.weight");
        Assert.IsTrue(slow <= bound, $"conv1 moved {slow} at rate × 1e-6 (bound {bound})");
        Assert.IsTrue(fast > 100 * bound, $"conv1 moved only {fast} at the full rate");
        double conv2 = MaxChange(d, "features.conv2.weight"), hidden = MaxChange(d, "classifier.hidden.weight");
        Assert.IsTrue(conv2 < hidden, $"conv2 (rate × 1e-4) moved {conv2}, the hidden layer (rate × 1e-2) {hidden}");
    }

    [TestMethod]
    public void AutoFollowsTheTwoByTwoRule()
    {
        Assert.AreEqual(FineTuneStrategy.Kind.LinearProbe, FineTuneStrategy.Choose(50, DomainSimilarity.Similar, 4).StrategyKind);
        var moreSimilar = FineTuneStrategy.Choose(5000, DomainSimilarity.Similar, 4);
        Assert.AreEqual(FineTuneStrategy.Kind.TopBlocks, moreSimilar.StrategyKind);
        Assert.AreEqual(2, moreSimilar.Blocks);
        var littleDifferent = FineTuneStrategy.Choose(50, DomainSimilarity.Different, 4);
        Assert.AreEqual(FineTuneStrategy.Kind.TopBlocks, littleDifferent.StrategyKind);
        Assert.AreEqual(1, littleDifferent.Blocks);
        Assert.AreEqual(FineTuneStrategy.Kind.Full, FineTuneStrategy.Choose(5000, DomainSimilarity.Different, 4).StrategyKind);
        Assert.AreEqual(FineTuneStrategy.Kind.Full, FineTuneStrategy.Choose(60, DomainSimilarity.Different, 4, littleDataImagesPerClass: 50).StrategyKind);

        var (_, log) = FineTune(FineTuneStrategy.Auto);
        Assert.IsTrue(log.Any(l => l.Contains("Auto chose LinearProbe for 40 training images per class", StringComparison.Ordinal)), string.Join("\n", log));
        var (_, differentLog) = FineTune(FineTuneStrategy.Auto, o => o.Similarity = DomainSimilarity.Different);
        Assert.IsTrue(differentLog.Any(l => l.Contains("Auto chose TopBlocks(1)", StringComparison.Ordinal)), string.Join("\n", differentLog));
    }

    [TestMethod]
    public void ResNetBlocksAreTheStemAndEachResidualBlock()
    {
        var resnet = Data.Ml.MulticlassClassification.Trainers.ImageCnn(CnnTestData.Tiny(o =>
        {
            o.Architecture = CnnArchitecture.ResNet;
            o.Blocks = [1, 1];
            o.Epochs = 1;
        })).Fit(Data.PretrainData);
        var before = FineTuneTestData.State(resnet.Network);
        var ml = new MLContext(seed: 1);
        var log = new List<string>();
        ml.Log += (_, e) => { lock (log) log.Add(e.Message); };
        var model = ml.MulticlassClassification.Trainers.FineTuneImageCnn(
            FineTuneTestData.Options(PretrainedNetwork.FromModel(resnet), FineTuneStrategy.TopBlocks(1))).Fit(Data.NewTrain);
        var after = FineTuneTestData.State(model.Network);

        AssertFrozen(before, after, ["stem.", "stages.stage1_block1."]);
        AssertTrained(before, after, ["stages.stage2_block1.conv", "stages.stage2_block1.shortcut.conv"]);
        Assert.AreEqual(5 * 8, after["head.output.weight"].Length);
        Assert.AreEqual(model.Network.named_parameters().Count(p => p.name.StartsWith("stages.stage2_block1.", StringComparison.Ordinal)) + 2, OptimizerTensors(log));
    }

    [TestMethod]
    public void CustomNetworksSplitIntoTopLevelChildrenWithTheLastLinearAsHead()
    {
        CustomArchitectures.Register("fine-tune-test", (shape, classes) => new TwoPartNetwork(shape, classes));
        var custom = Data.Ml.MulticlassClassification.Trainers.ImageCnn(CnnTestData.Tiny(o =>
        {
            o.Architecture = CnnArchitecture.Custom;
            o.CustomArchitectureName = "fine-tune-test";
            o.CustomArchitecture = (shape, classes) => new TwoPartNetwork(shape, classes);
        })).Fit(Data.PretrainData);
        var before = FineTuneTestData.State(custom.Network);
        var model = Data.FineTune(FineTuneTestData.Options(PretrainedNetwork.FromModel(custom), FineTuneStrategy.TopBlocks(1)));
        var after = FineTuneTestData.State(model.Network);

        AssertFrozen(before, after, ["features."]);
        AssertTrained(before, after, ["mixer."]);
        Assert.AreEqual(5 * 12, after["output.weight"].Length);
    }

    private sealed class TwoPartNetwork : nn.Module<Tensor, Tensor>
    {
        private readonly nn.Module<Tensor, Tensor> features, mixer, output;

        public TwoPartNetwork(ImageShape shape, int classes) : base(nameof(TwoPartNetwork))
        {
            features = nn.Sequential(nn.Conv2d(shape.Channels, 4, 3, padding: 1), nn.ReLU(),
                nn.AdaptiveAvgPool2d(4), nn.Flatten());
            mixer = nn.Sequential(nn.Linear(64, 12), nn.ReLU());
            output = nn.Linear(12, classes);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x) => output.forward(mixer.forward(features.forward(x)));
    }
}
