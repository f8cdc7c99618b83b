using Microsoft.ML;

namespace MLExtensions.UnitTests;

/// <summary>Fitted models release their network's native memory when disposed; views sharing it keep it until the last goes.</summary>
[TestClass]
public sealed class DisposeTests
{
    [TestMethod]
    public void TheNetworkIsReleasedWithItsLastHolderAndADisposedModelSaysSo()
    {
        var data = CnnTestData.Load(trainRows: 200, testRows: 20);
        var model = CnnTestData.Fit(data, CnnTestData.Tiny(o => o.Epochs = 1));
        var view = model.WithTestTimeAugmentation(TestTimeAugmentation.HorizontalFlip);
        var weight = model.Network.parameters().First();

        model.Dispose();
        model.Dispose();
        Assert.IsFalse(weight.IsInvalid, "the flip view still holds the network");
        Assert.AreEqual(20, CnnTestData.Scores(view, data.Test).Length);
        var error = Assert.ThrowsExactly<ObjectDisposedException>(() => model.Transform(data.Test));
        StringAssert.Contains(error.Message, "This ImageCnn model was disposed");

        view.Dispose();
        Assert.IsTrue(weight.IsInvalid, "the last holder released the network");
    }

    [TestMethod]
    public void AnEnsembleDisposesItsMembers()
    {
        var data = CnnTestData.Load(trainRows: 200, testRows: 20);
        var first = CnnTestData.Fit(data, CnnTestData.Tiny(o => { o.Epochs = 1; o.Seed = 1; }));
        var second = CnnTestData.Fit(data, CnnTestData.Tiny(o => { o.Epochs = 1; o.Seed = 2; }));
        var weights = new[] { first, second }.Select(m => m.Network.parameters().First()).ToArray();
        var ensemble = data.Ml.Transforms.AverageEnsemble(first, second);
        ensemble.Dispose();
        Assert.IsTrue(weights.All(w => w.IsInvalid));
        Assert.ThrowsExactly<ObjectDisposedException>(() => first.Transform(data.Test));
    }

    [TestMethod]
    [DataRow(false, DisplayName = "ImageCnn")]
    [DataRow(true, DisplayName = "AverageEnsemble")]
    public void DisposingWhileOtherThreadsPredictStopsThemWithObjectDisposedException(bool ensemble)
    {
        var data = CnnTestData.Load(trainRows: 200, testRows: 20);
        var first = CnnTestData.Fit(data, CnnTestData.Tiny(o => { o.Epochs = 1; o.Seed = 1; }));
        ITransformer model = ensemble ? data.Ml.Transforms.AverageEnsemble(first, CnnTestData.Fit(data, CnnTestData.Tiny(o => { o.Epochs = 1; o.Seed = 2; }))) : first;
        var image = data.Ml.Data.CreateEnumerable<ImageOnly>(data.Test, reuseRowObject: false).First();
        int predicted = 0;
        var workers = Enumerable.Range(0, 3).Select(_ => Task.Run(() =>
        {
            using var engine = data.Ml.Model.CreatePredictionEngine<ImageOnly, ScoreOnly>(model, new PredictionEngineOptions { OwnsTransformer = false });
            while (true)
            {
                Assert.HasCount(10, engine.Predict(image).Score);
                Interlocked.Increment(ref predicted);
            }
        })).ToArray();
        SpinWait.SpinUntil(() => Volatile.Read(ref predicted) > 30, TimeSpan.FromSeconds(30));
        ((IDisposable)model).Dispose();

        foreach (var worker in workers)
        {
            var error = Assert.Throws<AggregateException>(() => worker.Wait(TimeSpan.FromSeconds(30))).InnerException;
            Assert.IsInstanceOfType<ObjectDisposedException>(error, $"a predicting thread ended with {error}");
            StringAssert.Contains(error!.Message, ensemble ? "was disposed" : "This ImageCnn model was disposed");
        }
    }

    private sealed class ImageOnly
    {
        [Microsoft.ML.Data.VectorType(1, 28, 28)]
        public float[] Features { get; set; } = [];
    }

    private sealed class ScoreOnly
    {
        public float[] Score { get; set; } = [];
    }
}
