using Microsoft.ML;
using static TorchSharp.torch;

namespace MLExtensions.UnitTests;

/// <summary>
/// Fine-tuning torchvision networks (weights written by real PyTorch) through FineTuneImageCnn: what each strategy
/// freezes and trains over the architecture's natural stages, and persistence of the result.
/// </summary>
[TestClass]
public sealed class TorchVisionFineTuneTests
{
    private static readonly string[] Stem = ["conv1.", "bn1."];
    private static readonly string[] Layer1 = ["layer1."], Layer2 = ["layer2."], Layer3 = ["layer3."], Layer4 = ["layer4."];
    private static readonly string[] Head = ["fc."];

    public TestContext TestContext { get; set; } = null!;

    private static ColourFashionMnist Data => ColourFashionMnist.Instance;

    private static PretrainedNetwork ResNet18() => PretrainedNetwork.FromTorchVision(TorchVisionModel.ResNet18, TorchVisionReference.Weights("resnet18", ".safetensors"));

    private static ImageCnnTransformer FineTune(PretrainedNetwork pretrained, FineTuneStrategy strategy, params TrainingCallback[] callbacks)
    {
        var options = new FineTuneTrainer.Options
        {
            Pretrained = pretrained, Strategy = strategy, Epochs = 3, BatchSize = 32, LearningRate = 3e-3, Seed = 5, Device = ComputeDevice.Cpu,
        };
        foreach (var callback in callbacks)
            options.Callbacks.Add(callback);
        return new MLContext(seed: 1).MulticlassClassification.Trainers.FineTuneImageCnn(options).Fit(Data.Train);
    }

    private static string[] Named(Dictionary<string, float[]> state, string[] prefixes)
    {
        var names = state.Keys.Where(k => prefixes.Any(p => k.StartsWith(p, StringComparison.Ordinal))).ToArray();
        Assert.AreNotEqual(0, names.Length, $"no entries start with {string.Join(", ", prefixes)}");
        return names;
    }

    /// <summary>Parameters and buffers (BatchNorm running statistics and counters included) are bit-identical.</summary>
    private static void AssertFrozen(Dictionary<string, float[]> before, Dictionary<string, float[]> after, params string[][] parts)
    {
        foreach (var name in Named(after, [.. parts.SelectMany(p => p)]))
            CollectionAssert.AreEqual(before[name], after[name], $"frozen '{name}' changed");
    }

    private static void AssertTrained(Dictionary<string, float[]> before, Dictionary<string, float[]> after, params string[][] parts)
    {
        foreach (var name in Named(after, [.. parts.SelectMany(p => p)]).Where(n => n.EndsWith(".weight", StringComparison.Ordinal)))
            Assert.IsFalse(before[name].SequenceEqual(after[name]), $"trainable '{name}' did not change");
    }

    [TestMethod]
    public void LinearProbeKeepsTheWholeBodyBitIdenticalAndTrainsANewHead()
    {
        var pretrained = ResNet18();
        var before = FineTuneTestData.State(pretrained);
        var model = FineTune(pretrained, FineTuneStrategy.LinearProbe);
        var after = FineTuneTestData.State(model.Network);

        AssertFrozen(before, after, Stem, Layer1, Layer2, Layer3, Layer4);
        Assert.AreEqual(10 * 512, after["fc.weight"].Length, "a new head for the ten classes");
        Assert.IsFalse(before["fc.weight"].SequenceEqual(after["fc.weight"]), "the new head trained");
    }

    [TestMethod]
    public void TopBlocksTrainsTheLastStagesAndFreezesTheRest()
    {
        var pretrained = ResNet18();
        var before = FineTuneTestData.State(pretrained);
        var after = FineTuneTestData.State(FineTune(pretrained, FineTuneStrategy.TopBlocks(2)).Network);

        AssertFrozen(before, after, Stem, Layer1, Layer2);
        AssertTrained(before, after, Layer3, Layer4);
    }

    [TestMethod]
    public void GradualUnfreezesOneStagePerEpochFromTheTop()
    {
        var pretrained = ResNet18();
        var before = FineTuneTestData.State(pretrained);
        var after = FineTuneTestData.State(FineTune(pretrained, FineTuneStrategy.Gradual(headEpochs: 1, epochsPerBlock: 1)).Network);

        // Three epochs: the head alone, then layer4 too, then layer3 too.
        AssertFrozen(before, after, Stem, Layer1, Layer2);
        AssertTrained(before, after, Layer3, Layer4);
    }

    [TestMethod]
    [DataRow(TorchVisionModel.ResNet18, "resnet18", 1.0)]
    [DataRow(TorchVisionModel.MobileNetV2, "mobilenet_v2", 0.25)]
    public void FullGivesEveryParameterAGradientAndChangesIt(TorchVisionModel architecture, string name, double width)
    {
        var pretrained = PretrainedNetwork.FromTorchVision(architecture, TorchVisionReference.Weights(name, ".pt"), widthMultiplier: width);
        var before = FineTuneTestData.State(pretrained);
        var gradients = new GradientRecorder();
        var model = FineTune(pretrained, FineTuneStrategy.Full, gradients);
        var after = FineTuneTestData.State(model.Network);

        var parameters = model.Network.named_parameters().Select(p => p.name).ToArray();
        var without = parameters.Where(p => !gradients.Received.Contains(p)).ToArray();
        Assert.AreEqual(0, without.Length, $"{without.Length} of {parameters.Length} parameters never received a gradient, e.g. {string.Join(", ", without.Take(3))}");
        var unchanged = parameters.Where(p => before.ContainsKey(p) && before[p].Length == after[p].Length && before[p].SequenceEqual(after[p])).ToArray();
        Assert.AreEqual(0, unchanged.Length, $"unchanged after Full: {string.Join(", ", unchanged.Take(3))}");
    }

    [TestMethod]
    public void MobileNetV3GetsANewHeadForAnyClassCountWithTorchVisionNames()
    {
        var pretrained = PretrainedNetwork.FromTorchVision(TorchVisionModel.MobileNetV3Small, TorchVisionReference.Weights("mobilenet_v3_small", ".safetensors"));
        Assert.AreEqual(1000, pretrained.Description.ClassCount);
        var before = FineTuneTestData.State(pretrained);
        var model = FineTune(pretrained, FineTuneStrategy.TopBlocks(1));
        var after = FineTuneTestData.State(model.Network);

        CollectionAssert.AreEquivalent(before.Keys.ToArray(), after.Keys.ToArray(), "the same torchvision names");
        Assert.AreEqual(10 * 1024, after["classifier.3.weight"].Length);
        AssertFrozen(before, after, ["features."]);
        AssertTrained(before, after, ["classifier.0."]);
        var scores = TestData.ReadVectors(model.Transform(Data.Test), "Score");
        Assert.IsTrue(scores.All(s => s.Length == 10 && Math.Abs(s.Sum() - 1) < 1e-4), "ten class probabilities per image");
    }

    [TestMethod]
    public void AFineTunedTorchVisionModelScoresIdenticallyInASeparateProcess()
    {
        var model = FineTune(ResNet18(), FineTuneStrategy.TopBlocks(1));
        var ml = Data.Ml;
        var directory = TestContext.TestRunDirectory ?? Path.GetTempPath();
        var path = Path.Combine(directory, $"torchvision-{Guid.NewGuid():N}.zip");
        ml.Model.Save(model, Data.Test.Schema, path);

        var (actual, output) = IsolatedProcess.Score(ml, path, Data.Test, "Score", directory);
        var expected = TestData.ReadVectors(model.Transform(Data.Test), "Score").SelectMany(v => v).ToArray();
        StringAssert.Contains(output, nameof(ImageCnnTransformer));
        CollectionAssert.AreEqual(expected, actual, "scores computed in the separate process differ");
        var loaded = (ImageCnnTransformer)ml.Model.Load(path, out _);
        Assert.AreEqual(TorchVisionModel.ResNet18, loaded.Description.TorchVisionModel);
    }

    [TestMethod]
    public void KeepHeadContinuesWithThePretrainedClassifierOnlyForTheSameClasses()
    {
        var withNames = PretrainedNetwork.FromTorchVision(TorchVisionModel.ResNet18, TorchVisionReference.Weights("resnet18", ".pt"), Data.ClassNames);
        var before = FineTuneTestData.State(withNames);
        var options = new FineTuneTrainer.Options { Pretrained = withNames, Strategy = FineTuneStrategy.LinearProbe, KeepHead = true, Epochs = 1, Seed = 5, Device = ComputeDevice.Cpu };
        var model = new MLContext(seed: 1).MulticlassClassification.Trainers.FineTuneImageCnn(options).Fit(Data.Train);
        var after = FineTuneTestData.State(model.Network);
        // One epoch of a few steps from the pretrained head: changed, but still close to it.
        double moved = before["fc.weight"].Zip(after["fc.weight"], (a, b) => Math.Abs(a - b)).Max();
        Assert.IsTrue(moved > 0 && moved < 0.05, $"the kept head moved by up to {moved}");

        var reordered = Data.ClassNames.Reverse().ToArray();
        options.Pretrained = PretrainedNetwork.FromTorchVision(TorchVisionModel.ResNet18, TorchVisionReference.Weights("resnet18", ".pt"), reordered);
        var error = Assert.ThrowsExactly<InvalidOperationException>(() => new MLContext(seed: 1).MulticlassClassification.Trainers.FineTuneImageCnn(options).Fit(Data.Train));
        StringAssert.Contains(error.Message, $"class 0 is '{reordered[0]}' there and '{Data.ClassNames[0]}' here");

        options.Pretrained = ResNet18();
        error = Assert.ThrowsExactly<InvalidOperationException>(() => new MLContext(seed: 1).MulticlassClassification.Trainers.FineTuneImageCnn(options).Fit(Data.Train));
        StringAssert.Contains(error.Message, "pass classNames to PretrainedNetwork.FromTorchVision");
    }

    [TestMethod]
    public void PhotosOfAnySizeFineTuneAtTheNetworksInputSizeWithImageNetNormalisation()
    {
        using var folder = new ImageFolderData(perClass: 6, seed: 7);
        var ml = new MLContext(seed: 1);
        var pretrained = PretrainedNetwork.FromTorchVision(TorchVisionModel.MobileNetV2, TorchVisionReference.Weights("mobilenet_v2", ".pt"), widthMultiplier: 0.25);
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.LoadRawImageBytes("Image", imageFolder: null, inputColumnName: "ImagePath"))
            .Append(ml.MulticlassClassification.Trainers.FineTuneImageCnn(new FineTuneTrainer.Options
            {
                Pretrained = pretrained, FeatureColumnName = "Image", Strategy = FineTuneStrategy.LinearProbe, Epochs = 2, Seed = 5, Device = ComputeDevice.Cpu,
            }));
        var data = ml.Data.LoadImagesFromFolder(folder.Root);
        var model = pipeline.Fit(data);

        var network = model.LastTransformer;
        Assert.AreEqual(new ImageShape(3, 224, 224), network.Description.InputShape, "torchvision's input size when the photos' size is not set");
        CollectionAssert.AreEqual(new[] { 0.485f, 0.456f, 0.406f }, network.Description.InputMeans!.ToArray());
        CollectionAssert.AreEqual(new[] { 0.229f, 0.224f, 0.225f }, network.Description.InputStandardDeviations!.ToArray());
        Assert.AreEqual(ImageFolderData.Classes.Length, TestData.ReadVectors(model.Transform(data), "Score")[0].Length);
    }

    /// <summary>The names of the parameters that had a non-zero gradient after some backward pass.</summary>
    private sealed class GradientRecorder : TrainingCallback
    {
        public HashSet<string> Received { get; } = [];

        public override void OnBackward(TrainingState state)
        {
            foreach (var (name, parameter) in state.Network.named_parameters())
                if (parameter.grad is { } grad && grad.abs().max().item<float>() > 0)
                    Received.Add(name);
        }
    }
}
