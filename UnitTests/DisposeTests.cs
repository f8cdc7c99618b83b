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
}
