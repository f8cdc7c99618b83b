using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;

namespace MLExtensions.UnitTests;

[TestClass]
public sealed class PersistenceTests
{
    public TestContext TestContext { get; set; } = null!;

    private static (ITransformer Model, IDataView Test, MLContext Ml) FitStandInPipeline()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFashionMnist(FashionMnistSource.EmbeddedSubset);
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.SubtractMean("Features", mode: MeanSubtractionMode.PerPixel))
            .Append(ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(new LbfgsMaximumEntropyMulticlassTrainer.Options { MaximumNumberOfIterations = 20 }));
        return (pipeline.Fit(data.Train), data.Test, ml);
    }

    private string SaveModel(MLContext ml, ITransformer model, DataViewSchema schema)
    {
        var path = Path.Combine(TestContext.TestRunDirectory ?? Path.GetTempPath(), $"{Guid.NewGuid():N}.zip");
        ml.Model.Save(model, schema, path);
        return path;
    }

    [TestMethod]
    public void PipelineRoundTripsThroughModelZipInANewMLContext()
    {
        var (model, test, ml) = FitStandInPipeline();
        var path = SaveModel(ml, model, test.Schema);
        var expected = TestData.ReadVectors(model.Transform(test), "Score");

        var fresh = new MLContext(seed: 7);
        var loaded = fresh.Model.Load(path, out var inputSchema);
        var actual = TestData.ReadVectors(loaded.Transform(test), "Score");

        Assert.AreEqual(1000, expected.Length);
        for (int r = 0; r < expected.Length; r++)
            CollectionAssert.AreEqual(expected[r], actual[r], $"score of row {r} differs after reload");
        Assert.IsNotNull(inputSchema.GetColumnOrNull("Features"));

        var original = ((IEnumerable<ITransformer>)model).OfType<MeanSubtractionTransformer>().Single();
        var reloaded = ((IEnumerable<ITransformer>)loaded).OfType<MeanSubtractionTransformer>().Single();
        CollectionAssert.AreEqual(original.Mean.ToArray(), reloaded.Mean.ToArray(), "mean differs bitwise after reload");
        CollectionAssert.AreEqual(original.StandardDeviation.ToArray(), reloaded.StandardDeviation.ToArray());
        Assert.AreEqual(original.Shape, reloaded.Shape);
        Assert.AreEqual(original.SampleCount, reloaded.SampleCount);
        Assert.AreEqual(original.Mode, reloaded.Mode);
    }

    [TestMethod]
    public void PipelineRoundTripsInASeparateProcessWithNoRegistrationCall()
    {
        var (model, test, ml) = FitStandInPipeline();
        var modelPath = SaveModel(ml, model, test.Schema);
        var (actual, output) = IsolatedProcess.Score(ml, modelPath, test, "Score", TestContext.TestRunDirectory ?? Path.GetTempPath());
        StringAssert.Contains(output, nameof(MeanSubtractionTransformer));
        var expected = TestData.ReadVectors(model.Transform(test), "Score").SelectMany(v => v).ToArray();
        CollectionAssert.AreEqual(expected, actual, "scores computed in the separate process differ");
    }

    [TestMethod]
    public void PredictionEngineWorksOnTheLoadedModel()
    {
        var (model, test, ml) = FitStandInPipeline();
        var path = SaveModel(ml, model, test.Schema);
        var fresh = new MLContext();
        var loaded = fresh.Model.Load(path, out _);
        var engine = fresh.Model.CreatePredictionEngine<FashionMnistImage, ScoreOutput>(loaded);
        var rows = fresh.Data.CreateEnumerable<FashionMnistImage>(test, reuseRowObject: false).Take(20).ToArray();
        var batch = TestData.ReadVectors(model.Transform(test), "Score");
        for (int i = 0; i < rows.Length; i++)
            CollectionAssert.AreEqual(batch[i], engine.Predict(rows[i]).Score, $"PredictionEngine disagrees with Transform on row {i}");
    }

    private sealed class ScoreOutput
    {
        public float[] Score { get; set; } = [];
    }

    [TestMethod]
    public void StandInPipelineLearnsFashionMnist()
    {
        var (model, test, ml) = FitStandInPipeline();
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(test));
        Assert.IsTrue(metrics.MacroAccuracy > 0.6, $"accuracy {metrics.MacroAccuracy:F3} on the embedded subset");
    }
}
