using MLExtensions.Architectures.Blocks;
using MLExtensions.Cnn;
using static TorchSharp.torch;

namespace MLExtensions.UnitTests;

/// <summary>The pieces several families share: stochastic depth, the truncated normal start, and who may use them.</summary>
[TestClass]
public sealed class NetworkBlocksTests
{
    [TestMethod]
    public void StochasticDepthDropsWholeImagesWhileTrainingAndKeepsTheMean()
    {
        manual_seed(3);
        using var depth = new StochasticDepth(0.3);
        using var branch = ones(20_000, 4, 2, 2);
        using var trained = depth.call(branch);
        var perImage = trained.reshape(20_000, -1);
        using var dropped = perImage.eq(0).all(1);
        using var kept = perImage.eq(1 / 0.7f).all(1);
        Assert.AreEqual(20_000, dropped.logical_or(kept).sum().item<long>(), "each image is either dropped whole or kept and scaled by 1/(1 − p)");
        Assert.AreEqual(0.3, dropped.to(ScalarType.Float32).mean().item<float>(), 0.015, "dropped with probability p");
        Assert.AreEqual(1.0, trained.mean().item<float>(), 0.02, "the expected value is unchanged");

        depth.eval();
        using var predicted = depth.call(branch);
        Assert.IsTrue(predicted.eq(branch).all().item<bool>(), "at prediction the branch passes unchanged");
    }

    [TestMethod]
    public void StochasticDepthProbabilityRisesLinearlyToTheDeepestBlock()
    {
        Assert.AreEqual(0.0, StochasticDepth.Probability(0.2, 0, 16));
        Assert.AreEqual(0.1, StochasticDepth.Probability(0.2, 8, 16), 1e-12);
        Assert.AreEqual(0.5, StochasticDepth.Probability(0.5, 17, 17.0), 1e-12);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new StochasticDepth(1.0));
    }

    [TestMethod]
    public void TheTruncatedNormalStaysWithinItsBoundsWithTheTruncatedStandardDeviation()
    {
        manual_seed(5);
        using var values = empty(200_000);
        TruncatedNormal.Fill(values, std: 1, low: -1, high: 1);
        Assert.IsTrue(values.abs().max().item<float>() <= 1);
        // A standard normal cut to [−1, 1] has standard deviation 0.5396.
        Assert.AreEqual(0.5396, values.std().item<float>(), 0.005);
        Assert.AreEqual(0.0, values.mean().item<float>(), 0.005);
    }

    [TestMethod]
    public void StochasticDepthIsRefusedByNetworksWithoutIt()
    {
        var simple = new NetworkDescription { Architecture = CnnArchitecture.SimpleConvNet, InputShape = new ImageShape(1, 28, 28), ClassCount = 10, StochasticDepth = 0.1 };
        TestAssert.MessageContains(Assert.ThrowsExactly<ArgumentException>(() => NetworkFactory.Create(simple)), "SimpleConvNet", "no stochastic depth");
        var efficientNet = new NetworkDescription
        {
            Architecture = CnnArchitecture.TorchVision, TorchVisionModel = TorchVisionModel.EfficientNetB0, InputShape = new ImageShape(3, 32, 32),
            ClassCount = 10, StochasticDepth = 0.3,
        };
        using var network = NetworkFactory.Create(efficientNet);
        Assert.IsNotNull(network);
    }

    [TestMethod]
    public void ANetworkThatRunsOutOfPixelsNamesTheSmallestImageItTakes()
    {
        var small = new NetworkDescription
        {
            Architecture = CnnArchitecture.TorchVision, TorchVisionModel = TorchVisionModel.ConvNeXtTiny, InputShape = new ImageShape(3, 28, 28), ClassCount = 10,
        };
        TestAssert.MessageContains(Assert.ThrowsExactly<ArgumentException>(() => NetworkFactory.Create(small)), "ConvNeXtTiny", "at least 32×32", "28×28");
        using var network = NetworkFactory.Create(small with { InputShape = new ImageShape(3, 32, 32) });
        using var logits = network.call(zeros(1, 3, 32, 32));
        CollectionAssert.AreEqual(new long[] { 1, 10 }, logits.shape);
    }
}
