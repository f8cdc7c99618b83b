using Microsoft.ML;
using static TorchSharp.torch;

namespace MLExtensions.UnitTests;

/// <summary>
/// The torchvision families MLExtensions writes itself (where TorchSharp's port lacks them), variant by variant,
/// against real PyTorch: its weights give its logits in both file formats, and a network trained from scratch with
/// <c>ImageCnn</c> reloads in a fresh process and exports weights PyTorch loads strictly and computes alike (also
/// for a network of TorchSharp's port, ResNet-18).
/// </summary>
[TestClass]
public sealed class TorchVisionFamiliesTests
{
    private const double Tolerance = 1e-5;

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [DataRow(TorchVisionModel.SqueezeNet1_0, "squeezenet1_0")]
    [DataRow(TorchVisionModel.SqueezeNet1_1, "squeezenet1_1")]
    [DataRow(TorchVisionModel.DenseNet121, "densenet121")]
    [DataRow(TorchVisionModel.DenseNet161, "densenet161")]
    [DataRow(TorchVisionModel.DenseNet169, "densenet169")]
    [DataRow(TorchVisionModel.DenseNet201, "densenet201")]
    [DataRow(TorchVisionModel.ShuffleNetV2_x0_5, "shufflenet_v2_x0_5")]
    [DataRow(TorchVisionModel.ShuffleNetV2_x1_0, "shufflenet_v2_x1_0")]
    [DataRow(TorchVisionModel.ShuffleNetV2_x1_5, "shufflenet_v2_x1_5")]
    [DataRow(TorchVisionModel.ShuffleNetV2_x2_0, "shufflenet_v2_x2_0")]
    [DataRow(TorchVisionModel.MnasNet0_5, "mnasnet0_5")]
    [DataRow(TorchVisionModel.MnasNet0_75, "mnasnet0_75")]
    [DataRow(TorchVisionModel.MnasNet1_0, "mnasnet1_0")]
    [DataRow(TorchVisionModel.MnasNet1_3, "mnasnet1_3")]
    [DataRow(TorchVisionModel.EfficientNetB0, "efficientnet_b0")]
    [DataRow(TorchVisionModel.EfficientNetB1, "efficientnet_b1")]
    [DataRow(TorchVisionModel.EfficientNetB2, "efficientnet_b2")]
    [DataRow(TorchVisionModel.EfficientNetB3, "efficientnet_b3")]
    [DataRow(TorchVisionModel.EfficientNetB4, "efficientnet_b4")]
    [DataRow(TorchVisionModel.EfficientNetB5, "efficientnet_b5")]
    [DataRow(TorchVisionModel.EfficientNetB6, "efficientnet_b6")]
    [DataRow(TorchVisionModel.EfficientNetB7, "efficientnet_b7")]
    [DataRow(TorchVisionModel.EfficientNetV2S, "efficientnet_v2_s")]
    [DataRow(TorchVisionModel.EfficientNetV2M, "efficientnet_v2_m")]
    [DataRow(TorchVisionModel.EfficientNetV2L, "efficientnet_v2_l")]
    [DataRow(TorchVisionModel.ConvNeXtTiny, "convnext_tiny")]
    [DataRow(TorchVisionModel.ConvNeXtSmall, "convnext_small")]
    [DataRow(TorchVisionModel.ConvNeXtBase, "convnext_base")]
    [DataRow(TorchVisionModel.ConvNeXtLarge, "convnext_large")]
    [DataRow(TorchVisionModel.RegNetY_400MF, "regnet_y_400mf")]
    [DataRow(TorchVisionModel.RegNetY_800MF, "regnet_y_800mf")]
    [DataRow(TorchVisionModel.RegNetY_1_6GF, "regnet_y_1_6gf")]
    [DataRow(TorchVisionModel.RegNetY_3_2GF, "regnet_y_3_2gf")]
    [DataRow(TorchVisionModel.RegNetY_8GF, "regnet_y_8gf")]
    [DataRow(TorchVisionModel.RegNetY_16GF, "regnet_y_16gf")]
    [DataRow(TorchVisionModel.RegNetY_32GF, "regnet_y_32gf")]
    [DataRow(TorchVisionModel.RegNetY_128GF, "regnet_y_128gf")]
    [DataRow(TorchVisionModel.RegNetX_400MF, "regnet_x_400mf")]
    [DataRow(TorchVisionModel.RegNetX_800MF, "regnet_x_800mf")]
    [DataRow(TorchVisionModel.RegNetX_1_6GF, "regnet_x_1_6gf")]
    [DataRow(TorchVisionModel.RegNetX_3_2GF, "regnet_x_3_2gf")]
    [DataRow(TorchVisionModel.RegNetX_8GF, "regnet_x_8gf")]
    [DataRow(TorchVisionModel.RegNetX_16GF, "regnet_x_16gf")]
    [DataRow(TorchVisionModel.RegNetX_32GF, "regnet_x_32gf")]
    [DataRow(TorchVisionModel.GoogLeNet, "googlenet")]
    [DataRow(TorchVisionModel.GoogLeNet, "googlenet_aux")]
    public void PyTorchWeightsGiveTheLogitsPyTorchGivesInBothFormats(TorchVisionModel model, string name)
    {
        try
        {
            CompareLogitsInBothFormats(model, name);
        }
        finally
        {
            TorchVisionReference.Release(name);
        }
    }

    private static void CompareLogitsInBothFormats(TorchVisionModel model, string name)
    {
        var expected = TorchVisionReference.Logits(name);
        Assert.IsTrue(expected.abs().max().item<float>() > 0.1, "the reference logits are not trivially small");
        foreach (var extension in new[] { ".safetensors", ".pt" })
        {
            var weights = TorchVisionReference.Weights(name, extension);
            using var network = model == TorchVisionModel.RegNetY_128GF ? LoadedWithoutAPretrainedNetwork(model, weights, (int)expected.shape[1]) : Loaded(model, weights, expected);
            using var noGrad = no_grad();
            double error = TorchVisionReference.RelativeError(network.forward(TorchVisionReference.Input()), expected);
            Assert.IsTrue(error < Tolerance, $"{name}{extension}: logits differ from PyTorch's by {error:E2} of their scale");
        }
    }

    private static nn.Module<Tensor, Tensor> Loaded(TorchVisionModel model, string weights, Tensor expected)
    {
        var pretrained = PretrainedNetwork.FromTorchVision(model, weights);
        Assert.AreEqual(expected.shape[1], pretrained.Description.ClassCount, "the class count is read from the file's head");
        return pretrained.CreateNetwork();
    }

    // RegNetY-128GF's 2.58 GB of weights exceed what a PretrainedNetwork and a model zip hold (one .NET array): that is
    // refused by name, and the network itself is checked with the file read and loaded as FromTorchVision does.
    private static nn.Module<Tensor, Tensor> LoadedWithoutAPretrainedNetwork(TorchVisionModel model, string weights, int classes)
    {
        var refused = Assert.ThrowsExactly<NotSupportedException>(() => PretrainedNetwork.FromTorchVision(model, weights));
        TestAssert.MessageContains(refused, "RegNetY_128GF", "bytes of weights", "cannot be fine-tuned or saved");
        var file = Pretrained.PyTorchWeightsFile.Read(weights);
        try
        {
            var network = Cnn.NetworkFactory.Create(new NetworkDescription
            {
                Architecture = CnnArchitecture.TorchVision, TorchVisionModel = model, InputShape = new ImageShape(3, 64, 64), ClassCount = classes,
            });
            network.load_state_dict(Pretrained.StateDictMatch.Align(file, network, model.ToString(), weights), strict: true);
            network.eval();
            return network;
        }
        finally
        {
            foreach (var tensor in file.Values)
                tensor.Dispose();
        }
    }

    [TestMethod]
    // SqueezeNet has no normalization layers: at Adam's 1e-3 its final ReLU died within 2 epochs (10 % accuracy), and
    // at 1e-4 it needs the 2,000 images to be well above chance. DenseNet's 120 small convolutions make it the slow one.
    // MNASNet's batch norms keep TensorFlow's momentum (0.0003): after 126 steps their running statistics have moved
    // 4 % of the way from their start, so its evaluation-mode scores are at chance although it learns (38 % training
    // accuracy at 4e-3); that is torchvision's network, and the guide says so. EfficientNet-B0 on 500 images reached
    // 20 % training accuracy but scored at chance in evaluation mode (as on 1,000 images at 4e-3, and RegNetY-400MF on
    // 500 at 29 %, and GoogLeNet on 500 at 60 %); on 2,000 all three are well
    // above. ConvNeXt-Tiny's 7×7 depthwise convolutions make it the slowest per image, so it trains on 250.
    [DataRow(TorchVisionModel.SqueezeNet1_0, "squeezenet1_0", 28, 1e-4, 2000, 0.3)]
    [DataRow(TorchVisionModel.SqueezeNet1_1, "squeezenet1_1", 28, 1e-4, 2000, 0.3)]
    [DataRow(TorchVisionModel.DenseNet121, "densenet121", 32, 1e-3, 500, 0.3)]
    [DataRow(TorchVisionModel.ShuffleNetV2_x0_5, "shufflenet_v2_x0_5", 32, 1e-3, 2000, 0.3)]
    [DataRow(TorchVisionModel.MnasNet0_5, "mnasnet0_5", 32, 4e-3, 2000, 0.0)]
    [DataRow(TorchVisionModel.ResNet18, "resnet18", 28, 1e-3, 500, 0.3)]
    [DataRow(TorchVisionModel.EfficientNetB0, "efficientnet_b0", 32, 1e-3, 2000, 0.3)]
    [DataRow(TorchVisionModel.ConvNeXtTiny, "convnext_tiny", 32, 1e-3, 250, 0.3)]
    [DataRow(TorchVisionModel.RegNetY_400MF, "regnet_y_400mf", 32, 1e-3, 2000, 0.3)]
    [DataRow(TorchVisionModel.GoogLeNet, "googlenet", 32, 1e-3, 2000, 0.3)]
    public void TrainsFromScratchReloadsInAFreshProcessAndLoadsStrictlyIntoPyTorch(TorchVisionModel model, string name, int side, double learningRate,
        int images, double minimumTestAccuracy)
    {
        // 250 to 2,000 of the subset's coloured 28×28 images (enlarged to 32×32 for networks that downsample 32×),
        // standardized per channel (SubtractMean), as a user would feed float vectors; 500 of its test images.
        var ml = new MLContext(seed: 1);
        var subset = ml.Data.LoadFashionMnist(FashionMnistSource.EmbeddedSubset);
        var keys = ml.Transforms.Conversion.MapValueToKey("Label").Fit(ColourFashionMnist.InColour(ml, subset.Train, side));
        var train = keys.Transform(ml.Data.TakeRows(ml.Data.ShuffleRows(ColourFashionMnist.InColour(ml, subset.Train, side), seed: 1), images));
        var test = keys.Transform(ml.Data.TakeRows(ColourFashionMnist.InColour(ml, subset.Test, side), 500));
        var normalizer = ml.Transforms.SubtractMean("Features", divideByStd: true).Fit(train);
        train = normalizer.Transform(train);
        test = normalizer.Transform(test);
        var trained = ml.MulticlassClassification.Trainers.ImageCnn(new ImageCnnTrainer.Options
        {
            Architecture = CnnArchitecture.TorchVision, TorchVisionModel = model,
            Epochs = 2, BatchSize = 32, Seed = 1, Device = ComputeDevice.Cpu, LearningRate = learningRate,
        }).Fit(train);
        var accuracy = ml.MulticlassClassification.Evaluate(trained.Transform(test)).MicroAccuracy;
        TestContext.WriteLine($"{model}: {accuracy:P1} test accuracy after 2 epochs from scratch");
        var trainAccuracy = trained.History.Epochs[^1].TrainAccuracy;
        TestContext.WriteLine($"{model}: {trainAccuracy:P1} training accuracy in the second epoch");
        // Twice chance: on 2,000 images the standard error at chance is 0.7 points, 1.9 on 250. (Dropout lowers this figure.)
        Assert.IsTrue(trainAccuracy > 0.2, $"{model} from scratch: {trainAccuracy:P1} training accuracy in the second epoch (chance: 10 %)");
        Assert.IsTrue(accuracy > minimumTestAccuracy, $"{model} from scratch: {accuracy:P1} test accuracy after 2 epochs (chance: 10 %)");

        var directory = TestContext.TestRunDirectory ?? Path.GetTempPath();
        var zip = Path.Combine(directory, $"{name}-{Guid.NewGuid():N}.zip");
        ml.Model.Save(trained, train.Schema, zip);
        var (reloaded, _) = IsolatedProcess.Score(ml, zip, test, "Score", directory);
        var scores = TestData.ReadVectors(trained.Transform(test), "Score").SelectMany(v => v).ToArray();
        CollectionAssert.AreEqual(scores, reloaded, "a fresh process scores the saved model identically");

        Tensor ours;
        using (no_grad())
            ours = trained.Network.forward(TorchVisionReference.Input());
        var weights = Path.Combine(directory, $"{name}-{Guid.NewGuid():N}.safetensors");
        trained.ExportWeights(weights);
        TorchVisionReference.AssertSameLogits(ours, TorchVisionReference.LogitsOfLoaded(name, weights), Tolerance, "the exported weights in PyTorch");
    }

    [TestMethod]
    [DataRow(TorchVisionModel.SqueezeNet1_1, "squeezenet1_1", "classifier.1.")]
    [DataRow(TorchVisionModel.ShuffleNetV2_x0_5, "shufflenet_v2_x0_5", "fc.")]
    [DataRow(TorchVisionModel.EfficientNetB0, "efficientnet_b0", "classifier.1.")]
    [DataRow(TorchVisionModel.RegNetY_400MF, "regnet_y_400mf", "fc.")]
    public void FineTuningFromPyTorchWeightsFreezesOrTrainsWhatTheStrategySays(TorchVisionModel model, string name, string head)
    {
        var pretrained = PretrainedNetwork.FromTorchVision(model, TorchVisionReference.Weights(name, ".safetensors"));
        var before = FineTuneTestData.State(pretrained);
        var data = ColourFashionMnist.Instance;
        ImageCnnTransformer FineTune(FineTuneStrategy strategy) => data.Ml.MulticlassClassification.Trainers.FineTuneImageCnn(new FineTuneTrainer.Options
        {
            Pretrained = pretrained, Strategy = strategy, Epochs = 2, BatchSize = 32, LearningRate = 1e-3, Seed = 5, Device = ComputeDevice.Cpu,
        }).Fit(data.Train);

        var probed = FineTuneTestData.State(FineTune(FineTuneStrategy.LinearProbe).Network);
        var body = probed.Keys.Where(k => !k.StartsWith(head, StringComparison.Ordinal)).ToArray();
        Assert.IsTrue(body.Length > 10);
        foreach (var key in body)
            CollectionAssert.AreEqual(before[key], probed[key], $"LinearProbe changed the frozen '{key}'");
        Assert.IsTrue(probed.Keys.Any(k => k.StartsWith(head, StringComparison.Ordinal) && k.EndsWith("weight", StringComparison.Ordinal)), "a new head");

        var full = FineTuneTestData.State(FineTune(FineTuneStrategy.Full).Network);
        var unchanged = full.Keys.Where(k => k.EndsWith(".weight", StringComparison.Ordinal) && before[k].Length == full[k].Length && before[k].SequenceEqual(full[k])).ToArray();
        Assert.AreEqual(0, unchanged.Length, $"Full left weights unchanged: {string.Join(", ", unchanged.Take(3))}");
    }
}
