using Microsoft.ML;

namespace MLExtensions.UnitTests;

/// <summary>Models saved by earlier versions of MLExtensions still load and score as they did.</summary>
[TestClass]
public sealed class ModelVersionTests
{
    [TestMethod]
    public void AnImageCnnSavedBeforeStopMessagesWereKeptLoadsAndScoresAsItDid()
    {
        string fixtures = Path.Combine(AppContext.BaseDirectory, "Fixtures");
        var ml = new MLContext(seed: 1);
        // Saved with model version 0x00010002 (before TrainingHistory.StopMessage), with the scores it gave then.
        var model = (ImageCnnTransformer)ml.Model.Load(Path.Combine(fixtures, "imagecnn-v10002.zip"), out _);
        var expected = File.ReadAllLines(Path.Combine(fixtures, "imagecnn-v10002-scores.txt"))
            .Select(line => line.Split(' ').Select(float.Parse).ToArray()).ToArray();

        var data = ml.Data.LoadFashionMnist(FashionMnistSource.EmbeddedSubset);
        var keyMap = ml.Transforms.Conversion.MapValueToKey("Label").Fit(data.Train);
        var scores = CnnTestData.Scores(model, keyMap.Transform(ml.Data.TakeRows(data.Test, expected.Length)));
        for (int i = 0; i < expected.Length; i++)
            CollectionAssert.AreEqual(expected[i], scores[i], $"row {i}");

        Assert.AreEqual(2, model.History.Epochs.Count);
        Assert.AreEqual(TrainingStopReason.Completed, model.History.StopReason);
        Assert.IsNull(model.History.StopMessage);
    }

    [TestMethod]
    public void AnImageCnnSavedBeforeInputStatisticsAndLargeImageLayersLoadsAndScoresAsItDid()
    {
        string fixtures = Path.Combine(AppContext.BaseDirectory, "Fixtures");
        var ml = new MLContext(seed: 1);
        // Saved with model version 0x00010003 (before the description kept input statistics, the stem and the pooled size).
        var model = (ImageCnnTransformer)ml.Model.Load(Path.Combine(fixtures, "imagecnn-v10003.zip"), out _);
        var expected = File.ReadAllLines(Path.Combine(fixtures, "imagecnn-v10003-scores.txt"))
            .Select(line => line.Split(' ').Select(float.Parse).ToArray()).ToArray();

        var data = ml.Data.LoadFashionMnist(FashionMnistSource.EmbeddedSubset);
        var keyMap = ml.Transforms.Conversion.MapValueToKey("Label").Fit(data.Train);
        var scores = CnnTestData.Scores(model, keyMap.Transform(ml.Data.TakeRows(data.Test, expected.Length)));
        for (int i = 0; i < expected.Length; i++)
            CollectionAssert.AreEqual(expected[i], scores[i], $"row {i}");

        Assert.IsNull(model.Description.InputMeans);
        Assert.IsFalse(model.Description.DownsamplingStem);
        Assert.AreEqual(0, model.Description.PooledSize);
        Assert.AreEqual(TrainingStopReason.Completed, model.History.StopReason);
    }
}
