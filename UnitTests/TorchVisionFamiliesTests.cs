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
    public void PyTorchWeightsGiveTheLogitsPyTorchGivesInBothFormats(TorchVisionModel model, string name)
    {
        var expected = TorchVisionReference.Logits(name);
        Assert.IsTrue(expected.abs().max().item<float>() > 0.1, "the reference logits are not trivially small");
        foreach (var extension in new[] { ".safetensors", ".pt" })
        {
            var pretrained = PretrainedNetwork.FromTorchVision(model, TorchVisionReference.Weights(name, extension));
            Assert.AreEqual(expected.shape[1], pretrained.Description.ClassCount, "the class count is read from the file's head");
            using var network = pretrained.CreateNetwork();
            using var noGrad = no_grad();
            double error = TorchVisionReference.RelativeError(network.forward(TorchVisionReference.Input()), expected);
            Assert.IsTrue(error < Tolerance, $"{name}{extension}: logits differ from PyTorch's by {error:E2} of their scale");
        }
    }

    [TestMethod]
    [DataRow(TorchVisionModel.SqueezeNet1_0, "squeezenet1_0")]
    [DataRow(TorchVisionModel.SqueezeNet1_1, "squeezenet1_1")]
    [DataRow(TorchVisionModel.ResNet18, "resnet18")]
    public void TrainsFromScratchReloadsInAFreshProcessAndLoadsStrictlyIntoPyTorch(TorchVisionModel model, string name)
    {
        // 2,000 coloured 28×28 images, standardized per channel (SubtractMean), as a user would feed float vectors.
        var ml = new MLContext(seed: 1);
        var subset = ml.Data.LoadFashionMnist(FashionMnistSource.EmbeddedSubset);
        var keys = ml.Transforms.Conversion.MapValueToKey("Label").Fit(ColourFashionMnist.InColour(ml, subset.Train));
        var train = keys.Transform(ColourFashionMnist.InColour(ml, subset.Train));
        var test = keys.Transform(ColourFashionMnist.InColour(ml, subset.Test));
        var normalizer = ml.Transforms.SubtractMean("Features", divideByStd: true).Fit(train);
        train = normalizer.Transform(train);
        test = normalizer.Transform(test);
        var trained = ml.MulticlassClassification.Trainers.ImageCnn(new ImageCnnTrainer.Options
        {
            Architecture = CnnArchitecture.TorchVision, TorchVisionModel = model,
            Epochs = 2, BatchSize = 32, Seed = 1, Device = ComputeDevice.Cpu,
            // SqueezeNet has no normalization layers: at Adam's 1e-3 its final ReLU died within 2 epochs (10 % accuracy).
            LearningRate = 1e-4,
        }).Fit(train);
        var accuracy = ml.MulticlassClassification.Evaluate(trained.Transform(test)).MicroAccuracy;
        TestContext.WriteLine($"{model}: {accuracy:P1} test accuracy after 2 epochs from scratch");
        Assert.IsTrue(accuracy > 0.3, $"{model} from scratch: {accuracy:P1} after 2 epochs (chance: 10 %)");

        var directory = TestContext.TestRunDirectory ?? Path.GetTempPath();
        var zip = Path.Combine(directory, $"{name}-{Guid.NewGuid():N}.zip");
        ml.Model.Save(trained, train.Schema, zip);
        var (reloaded, _) = IsolatedProcess.Score(ml, zip, test, "Score", directory);
        var scores = ml.Data.CreateEnumerable<ScoreRow>(trained.Transform(test), reuseRowObject: false).SelectMany(r => r.Score).ToArray();
        CollectionAssert.AreEqual(scores, reloaded, "a fresh process scores the saved model identically");

        Tensor ours;
        using (no_grad())
            ours = trained.Network.forward(TorchVisionReference.Input());
        var weights = Path.Combine(directory, $"{name}-{Guid.NewGuid():N}.safetensors");
        trained.ExportWeights(weights);
        double error = TorchVisionReference.RelativeError(TorchVisionReference.LogitsOfLoaded(name, weights), ours);
        Assert.IsTrue(error < Tolerance, $"PyTorch's logits with the exported weights differ from ours by {error:E2} of their scale");
    }

    private sealed class ScoreRow
    {
        public float[] Score { get; set; } = [];
    }
}
