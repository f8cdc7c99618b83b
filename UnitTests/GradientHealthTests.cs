using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MLExtensions.UnitTests;

/// <summary>The gradient-health callback names the layer whose gradient explodes, and says nothing about a healthy network.</summary>
[TestClass]
public sealed class GradientHealthTests
{
    private static (GradientHealthMonitor Monitor, List<string> Log) Train(double conv2Scale, string name)
    {
        var data = CnnTestData.Load(trainRows: 96);
        var log = new List<string>();
        data.Ml.Log += (_, e) => { lock (log) log.Add(e.Message); };
        var monitor = new GradientHealthMonitor { EverySteps = 1 };
        var options = new ImageCnnTrainer.Options
        {
            Architecture = CnnArchitecture.Custom, CustomArchitectureName = name,
            CustomArchitecture = (shape, classes) => SmallNetwork(shape, classes, conv2Scale),
            Epochs = 1, BatchSize = 32, LearningRate = 1e-3, Seed = 3, Device = ComputeDevice.Cpu, ThrowOnDivergence = false,
        };
        options.Callbacks.Add(monitor);
        data.Ml.MulticlassClassification.Trainers.ImageCnn(options).Fit(data.Train);
        return (monitor, log);
    }

    private static Module<Tensor, Tensor> SmallNetwork(ImageShape shape, int classes, double conv2Scale)
    {
        var network = Sequential(
            ("conv1", Conv2d(shape.Channels, 8, 3, padding: 1)), ("relu1", ReLU()), ("pool1", MaxPool2d(2)),
            ("conv2", Conv2d(8, 8, 3, padding: 1)), ("relu2", ReLU()), ("pool2", MaxPool2d(2)),
            ("flatten", Flatten()), ("output", Linear(8 * (shape.Height / 4) * (shape.Width / 4), classes)));
        using (no_grad())
            foreach (var (parameterName, parameter) in network.named_parameters().Where(p => p.name.StartsWith("conv2.", StringComparison.Ordinal)))
                parameter.mul_(conv2Scale);
        return network;
    }

    [TestMethod]
    public void ALayerScaledAThousandfoldAtInitIsFlaggedAsExploding()
    {
        var (monitor, log) = Train(1000, "gradient-health-misinitialised");
        var exploding = monitor.Warnings.Where(w => w.Contains("is exploding", StringComparison.Ordinal)).ToArray();
        Assert.AreNotEqual(0, exploding.Length, $"warnings: {string.Join(" | ", monitor.Warnings)}");
        Assert.IsTrue(exploding.Any(w => w.Contains("the gradient of conv1") || w.Contains("the gradient of output")),
            $"the layers next to conv2 are named: {string.Join(" | ", exploding)}");
        Assert.IsTrue(log.Any(l => l.Contains("is exploding", StringComparison.Ordinal)), "the warning is logged");
        var largest = monitor.Samples.MaxBy(s => s.GradientNorm)!;
        Assert.IsTrue(largest.GradientNorm > monitor.ExplodingNorm, $"largest sampled gradient {largest}");
    }

    [TestMethod]
    public void ACorrectlyInitialisedNetworkGivesNoWarningButIsSampled()
    {
        var (monitor, log) = Train(1, "gradient-health-correct");
        Assert.AreEqual(0, monitor.Warnings.Count, string.Join(" | ", monitor.Warnings));
        CollectionAssert.AreEquivalent(new[] { "conv1", "conv2", "output" }, monitor.Samples.Select(s => s.Layer).Distinct().ToArray());
        Assert.AreEqual(3 * 3, monitor.Samples.Count, "three layers at each of the three steps");
        Assert.IsTrue(monitor.Samples.All(s => s.GradientNorm > 0 && s.WeightNorm > 0 && s.UpdateRatio is > 0 and < 0.5), string.Join(" | ", monitor.Samples));
        Assert.IsTrue(log.Any(l => l.Contains("gradient norms at step 1: conv1", StringComparison.Ordinal)), string.Join(" | ", log.Where(l => l.Contains("gradient"))));
    }
}
