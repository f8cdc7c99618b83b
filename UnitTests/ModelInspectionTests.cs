using SkiaSharp;

namespace MLExtensions.UnitTests;

/// <summary>Looking at a model's output: the confusion matrix agrees with ML.NET's evaluator, and the highest-loss images come first.</summary>
[TestClass]
public sealed class ModelInspectionTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void TheConfusionMatrixMatchesMLNetAndTheWorstImagesComeFirst()
    {
        var data = CnnTestData.Load(trainRows: 400, testRows: 300);
        var model = CnnTestData.Fit(data, CnnTestData.Tiny(o => o.Epochs = 2));
        var directory = Path.Combine(TestContext.TestRunDirectory ?? Path.GetTempPath(), $"inspect-{Guid.NewGuid():N}");

        var result = ModelInspection.Inspect(model, data.Test, topLosses: 10, outputDirectory: directory);

        var metrics = data.Ml.MulticlassClassification.Evaluate(model.Transform(data.Test));
        Assert.AreEqual(metrics.MicroAccuracy, result.Accuracy, 1e-12);
        Assert.AreEqual(300, result.Images);
        var expected = metrics.ConfusionMatrix.Counts;
        for (int t = 0; t < result.Classes.Count; t++)
            for (int p = 0; p < result.Classes.Count; p++)
                Assert.AreEqual(expected[t][p], result.Confusion[t, p], $"true {t}, predicted {p}");
        Assert.AreEqual(10, result.TopLosses.Count);
        Assert.IsTrue(result.TopLosses.Zip(result.TopLosses.Skip(1)).All(p => p.First.Loss >= p.Second.Loss), "highest loss first");
        Assert.IsTrue(result.TopLosses.All(t => t.TrueClass != t.PredictedClass), "the worst ten are all mistakes");
        var grid = SKBitmap.DecodeBounds(Path.Combine(directory, "top_losses.png"));
        Assert.AreEqual((8 * 112, 2 * (112 + 34)), (grid.Width, grid.Height));
        Assert.IsTrue(File.Exists(Path.Combine(directory, "confusion.png")));
    }
}
