using MLExtensions.Cnn;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLExtensions.UnitTests;

[TestClass]
public sealed class ImageCnnArchitectureTests
{
    private static NetworkDescription Describe(CnnArchitecture architecture, Func<NetworkDescription, NetworkDescription>? edit = null)
    {
        var d = new NetworkDescription
        {
            Architecture = architecture,
            InputShape = new ImageShape(1, 28, 28),
            ClassCount = 10,
            Widths = architecture == CnnArchitecture.ResNet ? [8, 16] : [4, 8],
            Blocks = architecture == CnnArchitecture.ResNet ? [1, 2] : [],
            HiddenUnits = 16,
        };
        return edit is null ? d : edit(d);
    }

    private static IEnumerable<nn.Module> Modules(nn.Module module) => module.named_modules().Select(m => m.module);

    [TestMethod]
    [DataRow(CnnArchitecture.SimpleConvNet)]
    [DataRow(CnnArchitecture.ResNet)]
    public void ForwardHooksFireOnEveryConvolutionAndLinearLayer(CnnArchitecture architecture)
    {
        // Layer hooks (feature maps, multiply-add counts) see every layer only if the networks call their layers
        // through Module.call, which runs hooks, rather than forward, which skips them.
        using var net = NetworkFactory.Create(Describe(architecture));
        var layers = Modules(net).Where(m => m is Conv2d or Linear).Cast<nn.Module<Tensor, Tensor>>().ToList();
        var fired = new HashSet<nn.Module>();
        var hooks = layers.Select(layer => layer.register_forward_hook((module, _, _) => { fired.Add(module); return null!; })).ToList();
        using var output = net.call(randn(2, 1, 28, 28));
        hooks.ForEach(hook => hook.remove());
        Assert.HasCount(layers.Count, fired, $"{fired.Count} of the {layers.Count} convolution and linear layers ran their hooks");
    }

    [TestMethod]
    public void SimpleConvNetIsTwoConvStagesThenTheClassifier()
    {
        using var net = NetworkFactory.Create(Describe(CnnArchitecture.SimpleConvNet));
        var convs = Modules(net).OfType<Conv2d>().ToArray();
        Assert.AreEqual(2, convs.Length);
        CollectionAssert.AreEqual(new long[] { 4, 1, 3, 3 }, convs[0].weight!.shape);
        CollectionAssert.AreEqual(new long[] { 8, 4, 3, 3 }, convs[1].weight!.shape);
        var linears = Modules(net).OfType<Linear>().ToArray();
        CollectionAssert.AreEqual(new long[] { 16, 8 * 7 * 7 }, linears[0].weight!.shape, "hidden layer after two 2×2 poolings");
        CollectionAssert.AreEqual(new long[] { 10, 16 }, linears[1].weight!.shape);
        Assert.AreEqual(2, Modules(net).OfType<MaxPool2d>().Count());
        using var output = net.forward(randn(3, 1, 28, 28));
        CollectionAssert.AreEqual(new long[] { 3, 10 }, output.shape);
    }

    [TestMethod]
    public void ResNetHasConfiguredBlocksProjectionShortcutsAndGlobalPooling()
    {
        using var net = NetworkFactory.Create(Describe(CnnArchitecture.ResNet));
        var names = net.named_modules().Select(m => m.name).ToArray();
        Assert.AreEqual(3, names.Count(n => n.StartsWith("stages.stage") && n.Count(c => c == '.') == 1), "1 + 2 blocks");
        // The first block of stage 2 changes width and stride: a 1×1 projection shortcut.
        var shortcut = net.named_modules().Single(m => m.name == "stages.stage2_block1.shortcut.conv").module as Conv2d;
        Assert.IsNotNull(shortcut);
        CollectionAssert.AreEqual(new long[] { 16, 8, 1, 1 }, shortcut.weight!.shape);
        Assert.IsInstanceOfType<Identity>(net.named_modules().Single(m => m.name == "stages.stage2_block2.shortcut").module);
        Assert.IsTrue(Modules(net).OfType<AdaptiveAvgPool2d>().Any(), "global average pooling");
        using var output = net.forward(randn(2, 1, 28, 28));
        CollectionAssert.AreEqual(new long[] { 2, 10 }, output.shape);
    }

    [TestMethod]
    public void EveryActivationIsBuiltAsAsked()
    {
        var expected = new Dictionary<ActivationKind, Type>
        {
            [ActivationKind.ReLU] = typeof(ReLU), [ActivationKind.LeakyReLU] = typeof(LeakyReLU), [ActivationKind.ELU] = typeof(ELU),
            [ActivationKind.SELU] = typeof(SELU), [ActivationKind.GELU] = typeof(GELU), [ActivationKind.Tanh] = typeof(Tanh),
        };
        CollectionAssert.AreEquivalent(Enum.GetValues<ActivationKind>(), expected.Keys.ToArray());
        foreach (var (kind, type) in expected)
        {
            using var net = NetworkFactory.Create(Describe(CnnArchitecture.ResNet, d => d with { Activation = kind }));
            var activations = Modules(net).Where(m => expected.Values.Contains(m.GetType())).Select(m => m.GetType()).Distinct().ToArray();
            CollectionAssert.AreEqual(new[] { type }, activations, kind.ToString());
        }
    }

    [TestMethod]
    public void EveryNormalizationIsBuiltAsAsked()
    {
        using (var net = NetworkFactory.Create(Describe(CnnArchitecture.SimpleConvNet, d => d with { Normalization = NormalizationKind.BatchNorm })))
            Assert.AreEqual(2, Modules(net).OfType<BatchNorm2d>().Count());
        using (var net = NetworkFactory.Create(Describe(CnnArchitecture.SimpleConvNet, d => d with { Normalization = NormalizationKind.InstanceNorm })))
            Assert.AreEqual(2, Modules(net).OfType<InstanceNorm2d>().Count());
        using (var net = NetworkFactory.Create(Describe(CnnArchitecture.SimpleConvNet, d => d with { Normalization = NormalizationKind.None })))
            Assert.IsFalse(Modules(net).Any(m => m is BatchNorm2d or GroupNorm or InstanceNorm2d));

        // GroupNorm and LayerNorm (one group over C×H×W) differ in how they normalise: compare with a hand computation.
        using var x = randn(2, 8, 5, 5);
        foreach (var (kind, groups) in new[] { (NormalizationKind.GroupNorm, 4), (NormalizationKind.LayerNorm, 1) })
        {
            using var layer = Layers.Normalization(kind, 8, 4);
            Assert.IsInstanceOfType<GroupNorm>(layer, kind.ToString());
            using var y = layer.forward(x);
            using var grouped = x.reshape(2, groups, -1);
            using var expected = ((grouped - grouped.mean([2], keepdim: true)) / (grouped.var([2], unbiased: false, keepdim: true) + 1e-5).sqrt()).reshape(2, 8, 5, 5);
            Assert.IsTrue(y.allclose(expected, rtol: 1e-4, atol: 1e-4), $"{kind} does not normalise over {groups} group(s)");
        }
    }

    [TestMethod]
    public void InitializationSchemesHaveTheirVariance()
    {
        using var net = NetworkFactory.Create(Describe(CnnArchitecture.SimpleConvNet, d => d with { Widths = [64, 64], HiddenUnits = 256 }));
        var hidden = Modules(net).OfType<Linear>().First();
        double fanIn = hidden.weight!.shape[1], fanOut = hidden.weight.shape[0];

        WeightInitializer.Apply(net, WeightInitialization.Kaiming, ActivationKind.ReLU, zeroLastLayer: false);
        Assert.AreEqual(Math.Sqrt(2 / fanIn), hidden.weight.std().item<float>(), 0.05 * Math.Sqrt(2 / fanIn));
        Assert.AreEqual(0f, hidden.bias!.abs().max().item<float>());

        WeightInitializer.Apply(net, WeightInitialization.Xavier, ActivationKind.ReLU, zeroLastLayer: false);
        Assert.AreEqual(Math.Sqrt(2 / (fanIn + fanOut)), hidden.weight.std().item<float>(), 0.05 * Math.Sqrt(2 / (fanIn + fanOut)));

        WeightInitializer.Apply(net, WeightInitialization.Kaiming, ActivationKind.ReLU, zeroLastLayer: true);
        var output = Modules(net).OfType<Linear>().Last();
        Assert.AreEqual(0f, output.weight!.abs().max().item<float>(), "last layer starts at zero");
        net.eval();
        using var probabilities = net.forward(randn(4, 1, 28, 28)).softmax(1);
        Assert.IsTrue(probabilities.allclose(full_like(probabilities, 0.1f)), "a zero last layer predicts uniform probabilities (initial loss ln 10)");
    }

    [TestMethod]
    public void CustomFactoryIsUsedAndMustBeRegisteredToLoad()
    {
        var data = CnnTestData.Load(trainRows: 64, testRows: 20);
        int calls = 0;
        var model = CnnTestData.Fit(data, CnnTestData.Tiny(o =>
        {
            o.Architecture = CnnArchitecture.Custom;
            o.CustomArchitectureName = "tiny-linear-" + Guid.NewGuid().ToString("N");
            o.CustomArchitecture = (shape, classes) =>
            {
                calls++;
                return nn.Sequential(("flatten", nn.Flatten()), ("linear", nn.Linear(shape.Size, classes)));
            };
        }));
        Assert.AreEqual(1, calls);
        Assert.IsInstanceOfType<Sequential>(model.Network);
        Assert.AreEqual(CnnArchitecture.Custom, model.Description.Architecture);

        var e = Assert.ThrowsExactly<InvalidOperationException>(() => NetworkFactory.Create(model.Description with { CustomName = "never-registered" }));
        StringAssert.Contains(e.Message, "CustomArchitectures.Register");
    }
}
