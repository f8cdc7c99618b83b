namespace MLExtensions.UnitTests;

/// <summary>The search returns options that validate at least as well as the defaults, reproducibly, and resumes from its trial log.</summary>
[TestClass]
public sealed class HyperparameterSearchTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void TheBestOptionsValidateAtLeastAsWellAsTheDefaultsAndTheSearchResumes()
    {
        var data = CnnTestData.Load(trainRows: 2000);
        var baseOptions = CnnTestData.Tiny(o => { o.Widths = [8, 16]; o.HiddenUnits = 32; });
        var log = Path.Combine(TestContext.TestRunDirectory ?? Path.GetTempPath(), $"trials-{Guid.NewGuid():N}.jsonl");
        var search = new HyperparameterSearchOptions
        {
            Ranges = [SearchRange.Log("LearningRate", 1e-4, 3e-2), SearchRange.Log("WeightDecay", 1e-6, 1e-2)],
            Trials = 4, RefineTrials = 2, Rungs = 2, TrialLogPath = log, Seed = 3,
        };

        var result = HyperparameterSearch.Run(data.Ml, baseOptions, data.Train, search);

        // 4 + 1 coarse, 2 + 1 fine, the baseline.
        Assert.AreEqual(9, result.Trials.Count, result.Table());
        Assert.IsTrue(result.Best.ValidationAccuracy >= result.Baseline.ValidationAccuracy, result.Table());
        Assert.AreEqual(3, result.Best.Epochs);
        if (result.Best.Stage != "baseline")
            Assert.AreEqual(result.Best.Values["LearningRate"], result.BestOptions.LearningRate);
        var refitted = data.Ml.MulticlassClassification.Trainers.ImageCnn((ImageCnnTrainer.Options)result.BestOptions).Fit(data.Train);
        Assert.AreEqual(result.Best.ValidationAccuracy, refitted.History.Epochs[^1].ValidationAccuracy, "the best options reproduce their validation accuracy");
        Assert.AreEqual(result.Best.ValidationAccuracy, result.BestModel.History.Epochs[^1].ValidationAccuracy);
        var lr = result.Trials.Where(t => t.Stage == "coarse" && t.Rung == 0).Select(t => t.Values["LearningRate"]).ToArray();
        Assert.IsTrue(lr.Max() / lr.Min() > 3, $"coarse rates spread in log space: {string.Join(", ", lr)}");
        StringAssert.Contains(result.Table(), "| baseline |");

        int logged = File.ReadAllLines(log).Length;
        var resumed = HyperparameterSearch.Run(data.Ml, baseOptions, data.Train, search);
        Assert.IsTrue(resumed.Trials.All(t => t.FromLog), "every trial comes from the log");
        Assert.AreEqual(logged, File.ReadAllLines(log).Length, "nothing was trained again");
        CollectionAssert.AreEqual(result.Trials.Select(t => t.ValidationAccuracy).ToArray(), resumed.Trials.Select(t => t.ValidationAccuracy).ToArray());
        Assert.AreEqual(result.Best.Key, resumed.Best.Key);
    }
}
