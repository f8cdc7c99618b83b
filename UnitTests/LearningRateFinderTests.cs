using Microsoft.ML;

namespace MLExtensions.UnitTests;

/// <summary>The learning-rate finder suggests a rate near one that trains well and far from one that diverges.</summary>
[TestClass]
public sealed class LearningRateFinderTests
{
    private static ImageCnnTrainer.Options Options(double? rate = null, int epochs = 3)
        => CnnTestData.Tiny(o =>
        {
            o.Widths = [8, 16];
            o.HiddenUnits = 32;
            o.LearningRate = rate;
            o.Epochs = epochs;
            o.ThrowOnDivergence = false;
        });

    [TestMethod]
    public void TheSuggestionIsWithinADecadeOfAGoodRateAndFarFromADivergingOne()
    {
        var data = CnnTestData.Load(trainRows: 2000, testRows: 500);
        var result = TrainingDiagnostics.FindLearningRate(data.Ml, Options(), data.Train);

        const double good = 3e-3, diverging = 10;
        var trained = CnnTestData.Fit(data, Options(good));
        double goodAccuracy = data.Ml.MulticlassClassification.Evaluate(trained.Transform(data.Test)).MicroAccuracy;
        Assert.IsTrue(goodAccuracy > 0.7, $"{good} trains well: {goodAccuracy:P1} after 3 epochs");
        var broken = CnnTestData.Fit(data, Options(diverging));
        double brokenAccuracy = data.Ml.MulticlassClassification.Evaluate(broken.Transform(data.Test)).MicroAccuracy;
        Assert.IsTrue(broken.History.StopReason == TrainingStopReason.Diverged || brokenAccuracy < 0.3,
            $"{diverging} does not train: {broken.History.StopReason}, {brokenAccuracy:P1}");

        Console.WriteLine(result);
        double suggested = result.SuggestedRate;
        Assert.IsTrue(Math.Abs(Math.Log10(suggested) - Math.Log10(good)) <= 1, $"suggested {suggested:G3} vs good {good}: {result}");
        Assert.IsTrue(Math.Log10(diverging) - Math.Log10(suggested) >= 2, $"suggested {suggested:G3} vs diverging {diverging}: {result}");
        Assert.IsTrue(result.Points.Count >= 20, result.ToString());
        Assert.IsTrue(result.Points.Zip(result.Points.Skip(1)).All(p => p.Second.Rate > p.First.Rate), "the rate grows at every step");
    }

    [TestMethod]
    public void TheSweepStopsWhenTheLossDiverges()
    {
        var data = CnnTestData.Load(trainRows: 2000);
        var result = TrainingDiagnostics.FindLearningRate(data.Ml, Options(), data.Train, new LearningRateFinderOptions { StartRate = 1e-4, EndRate = 1e4, Steps = 60 });
        Assert.IsTrue(result.Points.Count < 60, $"stopped early: {result}");
        StringAssert.Contains(result.Stop, "times its lowest", result.ToString());
    }
}
