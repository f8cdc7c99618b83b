using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLExtensions.UnitTests;

[TestClass]
public sealed class ImageCnnPersistenceTests
{
    public TestContext TestContext { get; set; } = null!;

    private (ITransformer Model, IDataView Test, MLContext Ml, string Path) FitAndSave(CnnArchitecture architecture)
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFashionMnist(FashionMnistSource.EmbeddedSubset);
        var train = ml.Data.TakeRows(data.Train, 256);
        var test = ml.Data.TakeRows(data.Test, 100);
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.SubtractMean("Features", mode: MeanSubtractionMode.PerPixel))
            .Append(ml.MulticlassClassification.Trainers.ImageCnn(CnnTestData.Tiny(o =>
            {
                o.Architecture = architecture;
                o.Widths = architecture == CnnArchitecture.ResNet ? [4, 8] : [4, 8];
                o.Blocks = architecture == CnnArchitecture.ResNet ? [1, 1] : null;
                o.Dropout = 0.2;
                o.ValidationFraction = 0.25;
            })))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
        var model = pipeline.Fit(train);
        var path = Path.Combine(TestContext.TestRunDirectory ?? Path.GetTempPath(), $"{Guid.NewGuid():N}.zip");
        ml.Model.Save(model, train.Schema, path);
        return (model, test, ml, path);
    }

    [TestMethod]
    [DataRow(CnnArchitecture.SimpleConvNet)]
    [DataRow(CnnArchitecture.ResNet)]
    public void ReloadsInANewMLContextWithIdenticalScoresAndHistory(CnnArchitecture architecture)
    {
        var (model, test, _, path) = FitAndSave(architecture);
        var loaded = new MLContext().Model.Load(path, out _);
        var expected = CnnTestData.Scores(model, test);
        var actual = CnnTestData.Scores(loaded, test);
        for (int i = 0; i < expected.Length; i++)
            CollectionAssert.AreEqual(expected[i], actual[i], $"row {i}");

        var original = ((IEnumerable<ITransformer>)model).OfType<ImageCnnTransformer>().Single();
        var reloaded = ((IEnumerable<ITransformer>)loaded).OfType<ImageCnnTransformer>().Single();
        Assert.AreEqual(original.Description, reloaded.Description);
        CollectionAssert.AreEqual(original.History.Epochs.ToArray(), reloaded.History.Epochs.ToArray());
        CollectionAssert.AreEqual(CnnTestData.Weights(original.Network), CnnTestData.Weights(reloaded.Network));
        Assert.AreEqual("cpu", reloaded.Device.type.ToString().ToLowerInvariant());
    }

    [TestMethod]
    public void PredictionEngineOnTheLoadedModelAgreesWithTransform()
    {
        var (model, test, ml, path) = FitAndSave(CnnArchitecture.SimpleConvNet);
        var fresh = new MLContext();
        var engine = fresh.Model.CreatePredictionEngine<FashionMnistImage, Prediction>(fresh.Model.Load(path, out _));
        var rows = ml.Data.CreateEnumerable<FashionMnistImage>(test, false).Take(10).ToArray();
        var scores = CnnTestData.Scores(model, test);
        var labels = model.Transform(test).GetColumn<string>("PredictedLabel").ToArray();
        for (int i = 0; i < rows.Length; i++)
        {
            var prediction = engine.Predict(rows[i]);
            CollectionAssert.AreEqual(scores[i], prediction.Score, new Tolerance(1e-6f), $"row {i}");
            Assert.AreEqual(labels[i], prediction.PredictedLabel);
        }
    }

    private sealed class Prediction
    {
        public float[] Score { get; set; } = [];
        public string PredictedLabel { get; set; } = "";
    }

    [TestMethod]
    public void ReloadsInASeparateProcessWithNoRegistrationCall()
    {
        var (model, test, ml, path) = FitAndSave(CnnArchitecture.ResNet);
        var (actual, output) = IsolatedProcess.Score(ml, path, test, "Score", TestContext.TestRunDirectory ?? Path.GetTempPath());
        StringAssert.Contains(output, nameof(ImageCnnTransformer));
        var expected = CnnTestData.Scores(model, test).SelectMany(v => v).ToArray();
        CollectionAssert.AreEqual(expected, actual, "scores computed in the separate process differ");
    }
}
