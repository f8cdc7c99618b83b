using Microsoft.ML;
using MLExtensions.FineTuning;
using static TorchSharp.torch;

namespace MLExtensions.UnitTests;

/// <summary>Where pretrained weights come from, what happens when they do not fit, and how fine-tuned models persist.</summary>
[TestClass]
public sealed class FineTuneSourceTests
{
    public TestContext TestContext { get; set; } = null!;

    private static FineTuneTestData Data => FineTuneTestData.Instance;

    private string TempPath(string extension) => Path.Combine(TestContext.TestRunDirectory ?? Path.GetTempPath(), $"{Guid.NewGuid():N}.{extension}");

    private static ImageCnnTransformer FineTune(PretrainedNetwork pretrained, FineTuneStrategy? strategy = null)
        => Data.FineTune(FineTuneTestData.Options(pretrained, strategy ?? FineTuneStrategy.TopBlocks(1)));

    [TestMethod]
    public void StateDictFileModelFileAndFittedModelGiveTheSameFineTunedWeights()
    {
        var fromModel = FineTune(PretrainedNetwork.FromModel(Data.Pretrained));

        var weightsPath = TempPath("dat");
        Data.Pretrained.Network.save(weightsPath);
        var fromStateDict = FineTune(PretrainedNetwork.FromStateDict(weightsPath, Data.Pretrained.Description));

        var zipPath = TempPath("zip");
        Data.Ml.Model.Save(Data.PretrainKeys.Append(Data.Pretrained), Data.PretrainData.Schema, zipPath);
        var fromZip = FineTune(PretrainedNetwork.FromModelFile(zipPath));

        var expected = CnnTestData.Weights(fromModel.Network);
        CollectionAssert.AreEqual(expected, CnnTestData.Weights(fromStateDict.Network));
        CollectionAssert.AreEqual(expected, CnnTestData.Weights(fromZip.Network));
    }

    [TestMethod]
    public void KeepHeadContinuesTrainingOnTheSameClassesWithoutLosingWhatTheModelKnew()
    {
        var pretrained = PretrainedNetwork.FromModel(Data.Pretrained);
        CollectionAssert.AreEquivalent(FineTuneTestData.PretrainClasses, pretrained.ClassNames!.ToArray());
        double before = Accuracy(Data.Pretrained);
        ImageCnnTransformer Continue(bool keepHead) => Data.FineTune(FineTuneTestData.Options(pretrained, FineTuneStrategy.Full, o =>
        {
            o.KeepHead = keepHead;
            o.Epochs = 1;
            o.LearningRate = 1e-4;
        }), Data.PretrainData);

        double kept = Accuracy(Continue(keepHead: true));
        double rebuilt = Accuracy(Continue(keepHead: false));
        Assert.IsTrue(kept >= before - 0.02, $"with the kept head {kept:P1}, before {before:P1}");
        Assert.IsTrue(kept > rebuilt + 0.1, $"a rebuilt head starts from scratch: {rebuilt:P1} against {kept:P1} kept");
    }

    private static double Accuracy(ITransformer model) => Data.Ml.MulticlassClassification.Evaluate(model.Transform(Data.PretrainData)).MicroAccuracy;

    [TestMethod]
    public void AStateDictOfAnotherShapeFailsNamingTheFirstMismatchingParameter()
    {
        var path = TempPath("dat");
        Data.Pretrained.Network.save(path);
        var wider = Data.Pretrained.Description with { Widths = [4, 6] };
        var error = Assert.ThrowsExactly<ArgumentException>(() => PretrainedNetwork.FromStateDict(path, wider));
        TestAssert.MessageContains(error, "'features.conv2.weight'", "[8, 4, 3, 3]", "[6, 4, 3, 3]", path);

        var otherArchitecture = Data.Pretrained.Description with { Architecture = CnnArchitecture.ResNet, Widths = [4, 8], Blocks = [1, 1] };
        error = Assert.ThrowsExactly<ArgumentException>(() => PretrainedNetwork.FromStateDict(path, otherArchitecture));
        TestAssert.MessageContains(error, "no parameter 'stem.conv.weight'", "'features.conv1.weight'");

        var truncated = TempPath("dat");
        File.WriteAllBytes(truncated, File.ReadAllBytes(path)[..100]);
        var corrupt = Assert.ThrowsExactly<InvalidDataException>(() => PretrainedNetwork.FromStateDict(truncated, Data.Pretrained.Description));
        TestAssert.MessageContains(corrupt, "not a TorchSharp state-dict file", truncated);

        Assert.ThrowsExactly<FileNotFoundException>(() => PretrainedNetwork.FromStateDict(TempPath("dat"), Data.Pretrained.Description));
    }

    [TestMethod]
    public void AModelFileWithoutAnImageCnnFailsClearly()
    {
        var path = TempPath("zip");
        Data.Ml.Model.Save(Data.PretrainKeys, Data.PretrainData.Schema, path);
        var error = Assert.ThrowsExactly<ArgumentException>(() => PretrainedNetwork.FromModelFile(path));
        TestAssert.MessageContains(error, "holds no ImageCnn network", "ValueToKeyMappingTransformer");
    }

    [TestMethod]
    public void FineTunedModelReloadsInAFreshProcessWithIdenticalScoresAndCanBeFineTunedAgain()
    {
        var model = FineTune(PretrainedNetwork.FromModel(Data.Pretrained));
        var path = TempPath("zip");
        Data.Ml.Model.Save(model, Data.NewTrain.Schema, path);

        var expected = CnnTestData.Scores(model, Data.NewTest);
        var reloaded = new MLContext().Model.Load(path, out _);
        CollectionAssert.AreEqual(expected.SelectMany(s => s).ToArray(), CnnTestData.Scores(reloaded, Data.NewTest).SelectMany(s => s).ToArray());

        var (isolated, _) = IsolatedProcess.Score(Data.Ml, path, Data.NewTest, "Score", TestContext.TestRunDirectory ?? Path.GetTempPath());
        CollectionAssert.AreEqual(expected.SelectMany(s => s).ToArray(), isolated);

        // A fine-tuned model is an ordinary ImageCnn model: it can be the next fine-tuning's start.
        var again = Data.FineTune(FineTuneTestData.Options(PretrainedNetwork.FromModelFile(path), FineTuneStrategy.LinearProbe));
        Assert.AreEqual(5, again.Description.ClassCount);
        AssertSameBody(model.Network, again.Network);
    }

    [TestMethod]
    public void TheHeadIsRebuiltForAnyClassCount()
    {
        var labels = Data.NewTrainRows.Select(r => r.Label).Distinct().Take(3).ToArray();
        var rows = Data.Ml.Data.LoadFromEnumerable(Data.NewTrainRows.Where(r => labels.Contains(r.Label)));
        var threeClasses = Data.Ml.Transforms.Conversion.MapValueToKey("Label").Fit(rows).Transform(rows);
        var model = Data.FineTune(FineTuneTestData.Options(PretrainedNetwork.FromModel(Data.Pretrained), FineTuneStrategy.LinearProbe), threeClasses);
        Assert.AreEqual(3, model.Description.ClassCount);
        Assert.AreEqual(3, CnnTestData.Scores(model, threeClasses)[0].Length);
    }

    [TestMethod]
    public void GreyWeightsServeRgbImagesAndBack()
    {
        // 1 → 3: a grey image replicated to RGB gives the grey network's first-layer response.
        var grey = Data.Pretrained.Description;
        var rgb = grey with { InputShape = new ImageShape(3, 28, 28) };
        using var rgbNetwork = Transfer(PretrainedNetwork.FromModel(Data.Pretrained), rgb);
        var image = rand(2, 1, 28, 28);
        var expected = FirstConv(Data.Pretrained.Network).forward(image);
        var actual = FirstConv(rgbNetwork).forward(image.expand(-1, 3, -1, -1));
        Assert.IsTrue(expected.allclose(actual, rtol: 1e-5, atol: 1e-6), "1→3 replicates the kernel / 3");

        // 3 → 1: back again gives the original kernels (the sum of the three thirds).
        var path = TempPath("dat");
        rgbNetwork.save(path);
        using var greyAgain = Transfer(PretrainedNetwork.FromStateDict(path, rgb), grey);
        Assert.IsTrue(FirstConv(greyAgain).forward(image).allclose(expected, rtol: 1e-5, atol: 1e-6), "3→1 sums the kernels");

        var twoChannels = grey with { InputShape = new ImageShape(2, 28, 28) };
        var error = Assert.ThrowsExactly<ArgumentException>(() => Transfer(PretrainedNetwork.FromModel(Data.Pretrained), twoChannels));
        TestAssert.MessageContains(error, "'features.conv1.weight'", "1 input channels", "2", "only 1 ↔ 3");
    }

    [TestMethod]
    public void FineTunesAGreyNetworkOnRgbImagesEndToEnd()
    {
        // The new task's images as 3-channel [3,28,28] vectors (grey replicated), labels as keys.
        var rgb = Data.NewTrainRows.Select(r => new RgbRow { Label = r.Label, Features = [.. r.Features, .. r.Features, .. r.Features] }).ToArray();
        var view = Data.Ml.Data.LoadFromEnumerable(rgb);
        var keyed = Data.Ml.Transforms.Conversion.MapValueToKey("Label").Fit(view).Transform(view);
        var model = Data.FineTune(FineTuneTestData.Options(PretrainedNetwork.FromModel(Data.Pretrained), FineTuneStrategy.Full,
            o => o.ValidationFraction = 0.2), keyed);

        Assert.AreEqual(new ImageShape(3, 28, 28), model.Description.InputShape);
        Assert.AreEqual(5, model.Description.ClassCount);
        Assert.IsTrue(model.History.Epochs.All(e => e.ValidationAccuracy is not null));
        var accuracy = Data.Ml.MulticlassClassification.Evaluate(model.Transform(keyed)).MicroAccuracy;
        Assert.IsTrue(accuracy > 0.5, $"training-set accuracy {accuracy} on five classes");
    }

    private sealed class RgbRow
    {
        public string Label { get; set; } = "";

        [Microsoft.ML.Data.VectorType(3, 28, 28)]
        public float[] Features { get; set; } = [];
    }

    [TestMethod]
    public void SimpleConvNetRefusesAnotherImageSizeNamingTheLayer()
    {
        var description = Data.Pretrained.Description with { InputShape = new ImageShape(1, 16, 16) };
        var error = Assert.ThrowsExactly<ArgumentException>(() => Transfer(PretrainedNetwork.FromModel(Data.Pretrained), description));
        TestAssert.MessageContains(error, "'classifier.hidden.weight'", "[16, 392]", "[16, 128]", "resize");
    }

    [TestMethod]
    public void BadOptionsFailBeforeTraining()
    {
        var missing = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            Data.Ml.MulticlassClassification.Trainers.FineTuneImageCnn(new FineTuneTrainer.Options()));
        TestAssert.MessageContains(missing, "Pretrained must be set");

        var tooMany = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            Data.FineTune(FineTuneTestData.Options(PretrainedNetwork.FromModel(Data.Pretrained), FineTuneStrategy.TopBlocks(4))));
        TestAssert.MessageContains(tooMany, "TopBlocks(4)", "3 body blocks", "conv stage 1, conv stage 2, hidden layer");

        var trainer = Data.Ml.MulticlassClassification.Trainers.FineTuneImageCnn(
            FineTuneTestData.Options(PretrainedNetwork.FromModel(Data.Pretrained), FineTuneStrategy.Full, o => o.LabelColumnName = "Category"));
        var schema = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainer.GetOutputSchema(MLNetInternals.SchemaShapes.From(Data.NewTrain.Schema)));
        TestAssert.MessageContains(schema, "'Category'");
    }

    private static nn.Module Transfer(PretrainedNetwork pretrained, NetworkDescription target)
    {
        var network = Cnn.NetworkFactory.Create(target);
        WeightTransfer.Apply(pretrained, network, NetworkBlocks.Of(target, network), target);
        network.eval();
        return network;
    }

    private static nn.Module<Tensor, Tensor> FirstConv(nn.Module network)
        => (nn.Module<Tensor, Tensor>)network.named_modules().First(m => m.name == "features.conv1").module;

    private static void AssertSameBody(nn.Module a, nn.Module b)
    {
        var left = FineTuneTestData.State(a);
        var right = FineTuneTestData.State(b);
        foreach (var name in left.Keys.Where(k => !k.StartsWith("classifier.output.", StringComparison.Ordinal)))
            CollectionAssert.AreEqual(left[name], right[name], name);
    }
}
