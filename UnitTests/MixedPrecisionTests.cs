using MLExtensions.Cnn;
using MLExtensions.Training;
using static TorchSharp.torch;

namespace MLExtensions.UnitTests;

[TestClass]
public sealed class MixedPrecisionTests
{
    private static readonly NetworkDescription ResNet = new()
    {
        Architecture = CnnArchitecture.ResNet, InputShape = new ImageShape(1, 28, 28), ClassCount = 10, Widths = [8, 16], Blocks = [1, 1],
    };

    [TestMethod]
    public void GradientsAreTheFloat32GradientsToBFloat16PrecisionAndLandOnTheFloat32Weights()
    {
        random.manual_seed(3);
        using var network = NetworkFactory.Create(ResNet);
        network.train();
        using var mixed = new MixedPrecisionForward(network, NetworkFactory.Create(ResNet));
        using var scope = NewDisposeScope();
        var images = rand(16, 1, 28, 28);
        var labels = randint(0, 10, [16]);

        var statistics = network.state_dict().Where(p => p.Key.EndsWith("running_mean")).Select(p => p.Value.clone()).ToArray();
        nn.functional.cross_entropy(mixed.Forward(images), labels).backward();
        mixed.TakeGradients();
        var fromBFloat16 = network.parameters().Select(p => p.grad!.clone()).ToArray();
        Assert.IsTrue(network.parameters().All(p => p.dtype == ScalarType.Float32 && p.grad!.dtype == ScalarType.Float32));
        Assert.IsTrue(network.state_dict().Where(p => p.Key.EndsWith("running_mean")).Zip(statistics).All(p => !WeightsAssert.Identical(p.First.Value, p.Second)),
            "the bfloat16 forward pass updated the float32 network's BatchNorm statistics");

        // The same step in float32, from the same weights (the running statistics do not enter a training forward pass).
        network.zero_grad();
        nn.functional.cross_entropy(network.forward(images), labels).backward();
        foreach (var ((name, parameter), bf16) in network.named_parameters().Zip(fromBFloat16))
        {
            double relative = ((parameter.grad! - bf16).norm() / parameter.grad!.norm()).item<float>();
            double cosine = nn.functional.cosine_similarity(parameter.grad!.flatten(), bf16.flatten(), dim: 0).item<float>();
            // bfloat16 keeps 8 significant bits: 0.3 % off at the output layer, growing to 10-30 % at the stem as the
            // backward pass (BatchNorm's mean subtractions above all) compounds the rounding; the direction holds.
            double allowed = name.StartsWith("head", StringComparison.Ordinal) ? 0.01 : 0.4;
            Assert.IsTrue(relative < allowed && cosine > 0.95, $"'{name}': the bfloat16 gradient is {relative:P1} off (cosine {cosine:F4}); allowed {allowed:P0}");
        }
    }

    [TestMethod]
    public void FrozenParametersGetNoGradient()
    {
        using var network = NetworkFactory.Create(ResNet);
        network.train();
        var frozen = network.named_parameters().Where(p => p.name.StartsWith("stem")).Select(p => p.parameter).ToArray();
        foreach (var parameter in frozen)
            parameter.requires_grad = false;
        using var mixed = new MixedPrecisionForward(network, NetworkFactory.Create(ResNet));
        using var scope = NewDisposeScope();
        nn.functional.cross_entropy(mixed.Forward(rand(4, 1, 28, 28)), randint(0, 10, [4])).backward();
        mixed.TakeGradients();
        Assert.IsTrue(frozen.Length > 0 && frozen.All(p => p.grad is null));
        Assert.IsTrue(network.parameters().Where(p => p.requires_grad).All(p => p.grad is not null));
    }

    [TestMethod]
    public void TrainingInMixedPrecisionLearnsKeepsFloat32WeightsAndReproduces()
    {
        var data = CnnTestData.Load(trainRows: 512);
        ImageCnnTrainer.Options Options(bool mixed) => CnnTestData.Tiny(o =>
        {
            o.Architecture = CnnArchitecture.ResNet; o.Widths = [8, 16]; o.Blocks = [1, 1]; o.Epochs = 4; o.LearningRate = 3e-3; o.MixedPrecision = mixed;
        });
        using var first = CnnTestData.Fit(data, Options(true));
        using var second = CnnTestData.Fit(data, Options(true));
        using var full = CnnTestData.Fit(data, Options(false));

        CollectionAssert.AreEqual(CnnTestData.Weights(first.Network), CnnTestData.Weights(second.Network), "mixed precision is reproducible under a seed");
        Assert.IsTrue(first.Network.parameters().All(p => p.dtype == ScalarType.Float32), "the trained model keeps float32 weights");
        Assert.IsFalse(CnnTestData.Weights(first.Network).SequenceEqual(CnnTestData.Weights(full.Network)), "mixed precision changed nothing: it did not run");
        double mixedAccuracy = CnnTestData.Accuracy(data, first), fullAccuracy = CnnTestData.Accuracy(data, full);
        Assert.IsTrue(mixedAccuracy > 0.5 && mixedAccuracy > fullAccuracy - 0.08, $"mixed {mixedAccuracy:P1}, float32 {fullAccuracy:P1} (chance 10 %)");
    }
}
