using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLExtensions.UnitTests;

[TestClass]
public sealed class ImageCnnBadInputTests
{
    [TestMethod]
    public void TextLabelAsksForMapValueToKey()
    {
        var ml = new MLContext(seed: 1);
        var raw = ml.Data.TakeRows(ml.Data.LoadFashionMnist(FashionMnistSource.EmbeddedSubset).Train, 32);
        var trainer = ml.MulticlassClassification.Trainers.ImageCnn(CnnTestData.Tiny());
        TestAssert.MessageContains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainer.Fit(raw)), "'Label'", "key", "MapValueToKey");
        TestAssert.MessageContains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainer.GetOutputSchema(MLNetInternals.SchemaShapes.From(raw.Schema))), "MapValueToKey");
    }

    [TestMethod]
    public void WrongFeatureSizeNamesTheColumnAndSizes()
    {
        var data = CnnTestData.Load(trainRows: 32, testRows: 10);
        var trainer = data.Ml.MulticlassClassification.Trainers.ImageCnn(CnnTestData.Tiny(o => { o.ImageHeight = 20; o.ImageWidth = 20; }));
        TestAssert.MessageContains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainer.Fit(data.Train)), "'Features'", "400 floats", "784 floats");

        var model = CnnTestData.Fit(data, CnnTestData.Tiny(o => o.Epochs = 1));
        var other = TestData.Images(data.Ml, TestData.RandomImages(2, 100, 1), 1, 10, 10);
        var renamed = data.Ml.Transforms.CopyColumns("Features", "Pixels").Fit(other).Transform(other);
        TestAssert.MessageContains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => model.Transform(renamed)), "'Features'", "[1, 10, 10]", "[1, 28, 28]");
    }

    [TestMethod]
    public void SingleClassIsAnError()
    {
        var ml = new MLContext(seed: 1);
        var raw = ml.Data.LoadFashionMnist(FashionMnistSource.EmbeddedSubset).Train;
        var oneClass = ml.Data.LoadFromEnumerable(ml.Data.CreateEnumerable<FashionMnistImage>(raw, false).Where(r => r.Label == "Bag").Take(20));
        var keyed = ml.Transforms.Conversion.MapValueToKey("Label").Fit(oneClass).Transform(oneClass);
        TestAssert.MessageContains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.MulticlassClassification.Trainers.ImageCnn(CnnTestData.Tiny()).Fit(keyed)),
            "'Label'", "1 classes", "at least 2");

        // Two keys known, but every training row of one class: also an error.
        var data = CnnTestData.Load(trainRows: 64, testRows: 10);
        var bags = data.KeyMap.Transform(oneClass);
        TestAssert.MessageContains(Assert.ThrowsExactly<InvalidOperationException>(() => data.Ml.MulticlassClassification.Trainers.ImageCnn(CnnTestData.Tiny()).Fit(bags)),
            "at least 2 classes");

        // Rows left out for a missing label must not count as a class.
        var bagsAndUnlabelled = data.KeyMap.Transform(ml.Data.LoadFromEnumerable(
            ml.Data.CreateEnumerable<FashionMnistImage>(oneClass, false).Append(new FashionMnistImage { Label = "", Features = new float[784] })));
        TestAssert.MessageContains(Assert.ThrowsExactly<InvalidOperationException>(() => data.Ml.MulticlassClassification.Trainers.ImageCnn(CnnTestData.Tiny()).Fit(bagsAndUnlabelled)),
            "at least 2 classes");
    }

    [TestMethod]
    public void EmptyDataIsAnError()
    {
        var data = CnnTestData.Load(trainRows: 32, testRows: 10);
        var empty = data.KeyMap.Transform(data.Ml.Data.LoadFromEnumerable(Array.Empty<FashionMnistImage>()));
        TestAssert.MessageContains(Assert.ThrowsExactly<InvalidOperationException>(() => data.Ml.MulticlassClassification.Trainers.ImageCnn(CnnTestData.Tiny()).Fit(empty)),
            "no rows");
    }

    [TestMethod]
    public void BatchLargerThanTheDataTrainsOnOneBatchWithAWarning()
    {
        var data = CnnTestData.Load(trainRows: 40, testRows: 10);
        var warnings = new List<string>();
        data.Ml.Log += (_, e) => { if (e.Kind == Microsoft.ML.Runtime.ChannelMessageKind.Warning) lock (warnings) warnings.Add(e.Message); };
        var model = CnnTestData.Fit(data, CnnTestData.Tiny(o => { o.BatchSize = 1000; o.Epochs = 1; }));
        Assert.AreEqual(1, model.History.Epochs.Count);
        lock (warnings)
            Assert.IsTrue(warnings.Any(w => w.Contains("BatchSize 1000") && w.Contains("40")), string.Join(" | ", warnings));
    }

    [TestMethod]
    public void InvalidOptionsAreRejectedUpFront()
    {
        var ml = new MLContext();
        var trainers = ml.MulticlassClassification.Trainers;
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainers.ImageCnn(CnnTestData.Tiny(o => o.Epochs = 0)));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainers.ImageCnn(CnnTestData.Tiny(o => o.LearningRate = -1)));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainers.ImageCnn(CnnTestData.Tiny(o => o.Dropout = 1)));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainers.ImageCnn(CnnTestData.Tiny(o => o.Architecture = CnnArchitecture.Custom)));
        TestAssert.MessageContains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainers.ImageCnn(CnnTestData.Tiny(o => o.EarlyStopping = new EarlyStopping()))),
            "ValidationFraction");
    }

    [TestMethod]
    public void OptimizerAndNetworkSettingsOutsideTheirDocumentedRangesAreRejected()
    {
        var trainers = new MLContext().MulticlassClassification.Trainers;
        void Rejected(Action<ImageCnnTrainer.Options> set, string named)
            => TestAssert.MessageContains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainers.ImageCnn(CnnTestData.Tiny(set))), named);
        Rejected(o => o.Momentum = 1, "Momentum");
        Rejected(o => o.Beta1 = -0.1, "Beta1");
        Rejected(o => o.Beta2 = 1.5, "Beta2");
        Rejected(o => o.RmsPropDecay = 1, "RmsPropDecay");
        Rejected(o => o.Epsilon = 0, "Epsilon");
        Rejected(o => o.HiddenUnits = -1, "HiddenUnits");
        Rejected(o => o.NormalizationGroups = 0, "NormalizationGroups");
        trainers.ImageCnn(CnnTestData.Tiny(o => { o.Momentum = 0; o.Beta2 = 0.9999; o.HiddenUnits = 0; o.NormalizationGroups = 1; }));
    }
}
