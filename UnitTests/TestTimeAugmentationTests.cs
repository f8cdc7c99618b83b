using Microsoft.ML;

namespace MLExtensions.UnitTests;

[TestClass]
public sealed class TestTimeAugmentationTests
{
    public TestContext TestContext { get; set; } = null!;

    private static CnnTestData.Keyed? _data;
    private static CnnTestData.Keyed Data => _data ??= CnnTestData.Load(trainRows: 128, testRows: 30);

    private static ImageCnnTransformer? _model;
    private static ImageCnnTransformer Model => _model ??= CnnTestData.Fit(Data, CnnTestData.Tiny());

    [TestMethod]
    public void FlipViewsAverageTheProbabilitiesOfTheImageAndItsMirror()
    {
        var rows = Data.Ml.Data.CreateEnumerable<FashionMnistImage>(
            Data.Ml.Data.TakeRows(Data.Ml.Data.LoadFashionMnist(FashionMnistSource.EmbeddedSubset).Test, 30), false).ToArray();
        var mirrored = rows.Select(r => new FashionMnistImage
        {
            Label = r.Label,
            Features = Enumerable.Range(0, 784).Select(p => r.Features[p / 28 * 28 + 27 - p % 28]).ToArray(),
        }).ToArray();
        var plain = CnnTestData.Scores(Model, Data.Test);
        var flipped = CnnTestData.Scores(Model, Data.KeyMap.Transform(Data.Ml.Data.LoadFromEnumerable(mirrored)));
        var averaged = CnnTestData.Scores(Model.WithTestTimeAugmentation(TestTimeAugmentation.HorizontalFlip), Data.Test);
        for (int i = 0; i < plain.Length; i++)
            CollectionAssert.AreEqual(plain[i].Zip(flipped[i], (a, b) => (a + b) / 2).ToArray(), averaged[i], new Tolerance(1e-6f), $"row {i}");
    }

    [TestMethod]
    public void TenCropIsDeterministicNormalisedAndSavedWithTheModel()
    {
        var tenCrop = Model.WithTestTimeAugmentation(TestTimeAugmentation.TenCrop);
        Assert.AreEqual(TestTimeAugmentation.None, Model.TestTimeAugmentation, "the original model is unchanged");
        var first = CnnTestData.Scores(tenCrop, Data.Test);
        CollectionAssert.AreEqual(first[3], CnnTestData.Scores(tenCrop, Data.Test)[3]);
        Assert.IsTrue(first.All(s => Math.Abs(s.Sum() - 1) < 1e-5));
        CollectionAssert.AreNotEqual(CnnTestData.Scores(Model, Data.Test)[3], first[3]);

        var path = Path.Combine(TestContext.TestRunDirectory ?? Path.GetTempPath(), $"{Guid.NewGuid():N}.zip");
        Data.Ml.Model.Save(tenCrop, Data.Test.Schema, path);
        var loaded = (ImageCnnTransformer)new MLContext().Model.Load(path, out _);
        Assert.AreEqual(TestTimeAugmentation.TenCrop, loaded.TestTimeAugmentation);
        var again = CnnTestData.Scores(loaded, Data.Test);
        for (int i = 0; i < first.Length; i++)
            CollectionAssert.AreEqual(first[i], again[i], $"row {i} after reload");
    }

    [TestMethod]
    public void TrainerOptionSetsTheViews()
    {
        var model = CnnTestData.Fit(Data, CnnTestData.Tiny(o => { o.Epochs = 1; o.TestTimeAugmentation = TestTimeAugmentation.HorizontalFlip; }));
        Assert.AreEqual(TestTimeAugmentation.HorizontalFlip, model.TestTimeAugmentation);
    }
}
