using static TorchSharp.torch;

namespace MLExtensions.UnitTests;

/// <summary>torchvision weights written by real PyTorch load and compute what PyTorch computes, and ours load back into PyTorch.</summary>
[TestClass]
public sealed class TorchVisionWeightsTests
{
    private const double Tolerance = 1e-5;

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [DataRow(TorchVisionModel.ResNet18, "resnet18", 1.0, ".safetensors")]
    [DataRow(TorchVisionModel.ResNet18, "resnet18", 1.0, ".pt")]
    [DataRow(TorchVisionModel.MobileNetV2, "mobilenet_v2", 0.25, ".safetensors")]
    [DataRow(TorchVisionModel.MobileNetV2, "mobilenet_v2", 0.25, ".pt")]
    [DataRow(TorchVisionModel.MobileNetV3Small, "mobilenet_v3_small", 1.0, ".safetensors")]
    public void PyTorchWeightsGiveTheLogitsPyTorchGives(TorchVisionModel model, string name, double width, string extension)
    {
        var pretrained = PretrainedNetwork.FromTorchVision(model, TorchVisionReference.Weights(name, extension), widthMultiplier: width);
        var expected = TorchVisionReference.Logits(name);
        Assert.AreEqual(expected.shape[1], pretrained.Description.ClassCount, "the class count is read from the file's head");

        using var network = pretrained.CreateNetwork();
        using var noGrad = no_grad();
        var actual = network.forward(TorchVisionReference.Input());
        double error = TorchVisionReference.RelativeError(actual, expected);
        Assert.IsTrue(error < Tolerance, $"{name}{extension}: logits differ from PyTorch's by {error:E2} of their scale");
        Assert.IsTrue(expected.abs().max().item<float>() > 0.1, "the reference logits are not trivially small");
    }

    [TestMethod]
    public void ExportedWeightsLoadStrictlyIntoPyTorchAndGiveOurLogits()
    {
        var data = ColourFashionMnist.Instance;
        var pretrained = PretrainedNetwork.FromTorchVision(TorchVisionModel.ResNet18, TorchVisionReference.Weights("resnet18", ".safetensors"), data.ClassNames);
        var options = new FineTuneTrainer.Options
        {
            Pretrained = pretrained, Strategy = FineTuneStrategy.Full, KeepHead = true,
            Epochs = 1, BatchSize = 32, LearningRate = 1e-3, Seed = 3, Device = ComputeDevice.Cpu,
        };
        var model = data.Ml.MulticlassClassification.Trainers.FineTuneImageCnn(options).Fit(data.Train);

        Tensor ours;
        using (no_grad())
            ours = model.Network.forward(TorchVisionReference.Input());
        var directory = TestContext.TestRunDirectory ?? Path.GetTempPath();
        foreach (var extension in new[] { ".safetensors", ".pt" })
        {
            var path = Path.Combine(directory, $"exported-{Guid.NewGuid():N}{extension}");
            model.ExportWeights(path);
            TorchVisionReference.AssertSameLogits(ours, TorchVisionReference.LogitsOfLoaded("resnet18", path), Tolerance, $"{extension}: our exported weights in PyTorch");
        }
        using var original = pretrained.CreateNetwork();
        using (no_grad())
            Assert.IsTrue(TorchVisionReference.RelativeError(original.forward(TorchVisionReference.Input()), ours) > 1e-3, "fine-tuning changed the network");
    }

    [TestMethod]
    public void AFileOfAnotherArchitectureNamesTheFirstMissingUnexpectedAndMismatchedEntries()
    {
        var error = Assert.ThrowsExactly<ArgumentException>(() =>
            PretrainedNetwork.FromTorchVision(TorchVisionModel.ResNet18, TorchVisionReference.Weights("mobilenet_v2", ".safetensors")));
        StringAssert.Contains(error.Message, "torchvision ResNet18");
        StringAssert.Contains(error.Message, "not in the file, first 'conv1.weight' (shape [64, 3, 7, 7])");
        StringAssert.Contains(error.Message, "not in the network, first 'features.0.0.weight'");

        var width = Assert.ThrowsExactly<ArgumentException>(() =>
            PretrainedNetwork.FromTorchVision(TorchVisionModel.MobileNetV2, TorchVisionReference.Weights("mobilenet_v2", ".pt")));
        StringAssert.Contains(width.Message, "differ in shape, first 'features.0.0.weight': [8, 3, 3, 3] in the file, [32, 3, 3, 3] in the network");
        StringAssert.Contains(width.Message, "width multiplier");
    }

    [TestMethod]
    public void TheLegacyPickleFormatSaysHowToResaveIt()
    {
        var error = Assert.ThrowsExactly<InvalidDataException>(() =>
            PretrainedNetwork.FromTorchVision(TorchVisionModel.MobileNetV2, TorchVisionReference.Weights("mobilenet_v2", ".legacy.pt"), widthMultiplier: 0.25));
        StringAssert.Contains(error.Message, "legacy");
        StringAssert.Contains(error.Message, "torch.save(torch.load(old_path), new_path)");
    }

    [TestMethod]
    public void AMissingOrForeignFileIsNamed()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"{Guid.NewGuid():N}.safetensors");
        var notFound = Assert.ThrowsExactly<FileNotFoundException>(() => PretrainedNetwork.FromTorchVision(TorchVisionModel.ResNet50, missing));
        StringAssert.Contains(notFound.Message, missing);

        var text = Path.Combine(TestContext.TestRunDirectory ?? Path.GetTempPath(), $"{Guid.NewGuid():N}.pt");
        File.WriteAllText(text, "these are not weights");
        var foreign = Assert.ThrowsExactly<InvalidDataException>(() => PretrainedNetwork.FromTorchVision(TorchVisionModel.ResNet18, text));
        StringAssert.Contains(foreign.Message, "neither a .safetensors file nor a PyTorch torch.save zip file");
    }

    [TestMethod]
    public void ClassNamesMustMatchTheHead()
    {
        var error = Assert.ThrowsExactly<ArgumentException>(() =>
            PretrainedNetwork.FromTorchVision(TorchVisionModel.MobileNetV2, TorchVisionReference.Weights("mobilenet_v2", ".pt"), ["a", "b"], 0.25));
        StringAssert.Contains(error.Message, "2 class names were given");
        StringAssert.Contains(error.Message, "10 classes");
    }
}
