using Microsoft.ML;

namespace MLExtensions.UnitTests;

/// <summary>A fitted model (and an ensemble of them) used from many threads at once answers bit-identically to one thread.</summary>
[TestClass]
public sealed class ThreadSafetyTests
{
    private const int Threads = 6;

    private sealed class Scores
    {
        public float[] Score { get; set; } = [];
    }

    [TestMethod]
    public void TransformAndOnePredictionEnginePerThreadMatchSingleThreadedScores()
    {
        var ml = new MLContext(seed: 1);
        var subset = ml.Data.LoadFashionMnist(FashionMnistSource.EmbeddedSubset);
        var keys = ml.Transforms.Conversion.MapValueToKey("Label").Fit(subset.Train);
        var train = keys.Transform(ml.Data.TakeRows(subset.Train, 300));
        var test = ml.Data.TakeRows(subset.Test, 120);
        var first = ml.MulticlassClassification.Trainers.ImageCnn(CnnTestData.Tiny(o => o.Seed = 1)).Fit(train);
        var second = ml.MulticlassClassification.Trainers.ImageCnn(CnnTestData.Tiny(o => o.Seed = 2)).Fit(train);
        var ensemble = ml.Transforms.AverageEnsemble(first, second);
        var rows = ml.Data.CreateEnumerable<FashionMnistImage>(test, reuseRowObject: false).ToArray();

        foreach (var (name, model) in new (string, ITransformer)[] { ("ImageCnn", first), ("AverageEnsemble", ensemble) })
        {
            // Each way of scoring against itself on one thread: a batch of 256 and a batch of one may differ in the last bit.
            var expected = TestData.ReadVectors(model.Transform(test), "Score");
            var single = ml.Model.CreatePredictionEngine<FashionMnistImage, Scores>(model);
            var expectedEngine = rows.Select(r => single.Predict(r).Score.ToArray()).ToArray();
            var results = new float[Threads][][];
            var engines = new float[Threads][][];
            Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, t =>
            {
                results[t] = TestData.ReadVectors(model.Transform(test), "Score");
                var engine = ml.Model.CreatePredictionEngine<FashionMnistImage, Scores>(model);
                engines[t] = rows.Select(r => engine.Predict(r).Score.ToArray()).ToArray();
            });
            for (int t = 0; t < Threads; t++)
                for (int r = 0; r < expected.Length; r++)
                {
                    CollectionAssert.AreEqual(expected[r], results[t][r], $"{name}: Transform on thread {t}, row {r}");
                    CollectionAssert.AreEqual(expectedEngine[r], engines[t][r], $"{name}: PredictionEngine on thread {t}, row {r}");
                }
        }
    }
}
