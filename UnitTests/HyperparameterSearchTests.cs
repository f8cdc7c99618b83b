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

    [TestMethod]
    public void ACutLastLogLineIsDroppedWithAWarningAndAnyOtherBadLineIsNamed()
    {
        var data = CnnTestData.Load(trainRows: 200);
        var baseOptions = CnnTestData.Tiny(o => o.Epochs = 1);
        var log = Path.Combine(TestContext.TestRunDirectory ?? Path.GetTempPath(), $"trials-{Guid.NewGuid():N}.jsonl");
        var search = new HyperparameterSearchOptions
        {
            Ranges = [SearchRange.Log("LearningRate", 1e-3, 1e-2)], Trials = 2, RefineTrials = 1, Rungs = 1, TrialLogPath = log, Seed = 3,
        };
        var first = HyperparameterSearch.Run(data.Ml, baseOptions, data.Train, search);
        var lines = File.ReadAllLines(log);
        Assert.IsGreaterThan(2, lines.Length);

        // What a crash while appending leaves: the last line cut off, without its newline.
        File.WriteAllText(log, string.Join("\n", lines[..^1]) + "\n" + lines[^1][..(lines[^1].Length / 2)]);
        var warnings = new List<string>();
        data.Ml.Log += (_, e) => { lock (warnings) warnings.Add(e.Message); };
        var resumed = HyperparameterSearch.Run(data.Ml, baseOptions, data.Train, search);
        Assert.IsTrue(warnings.Any(w => w.Contains($"the last line of the trial log '{log}' (line {lines.Length}) was cut off")), string.Join(" | ", warnings.Where(w => w.Contains("trial log"))));
        Assert.AreEqual(1, resumed.Trials.Count(t => !t.FromLog), "only the cut trial ran again");
        Assert.AreEqual(lines.Length, File.ReadAllLines(log).Length, "the log holds each trial once, on a line of its own");
        Assert.AreEqual(first.Best.Key, resumed.Best.Key);

        var damaged = File.ReadAllLines(log);
        damaged[1] = damaged[1][..10];
        File.WriteAllLines(log, damaged);
        var error = Assert.ThrowsExactly<InvalidDataException>(() => HyperparameterSearch.Run(data.Ml, baseOptions, data.Train, search));
        StringAssert.Contains(error.Message, $"Line 2 of the trial log '{log}' is not a trial");
        StringAssert.Contains(error.Message, "Delete or fix that line");
    }
}
