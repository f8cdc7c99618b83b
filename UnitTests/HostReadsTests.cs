using Microsoft.ML;
using static MLExtensions.UnitTests.CheckpointResumeTests;

namespace MLExtensions.UnitTests;

/// <summary>
/// On CUDA the training loop reads from the device only every few steps (HostReads): run here with that interval
/// forced on the CPU, it must train, report and stop exactly as reading every step does.
/// </summary>
[TestClass]
public sealed class HostReadsTests
{
    private const int Interval = 4;

    // 64 rows less a stratified quarter for validation: about 48 training images, six or seven batches of 8 per epoch.
    private static ImageCnnTransformer Train(int? interval, Action<ImageCnnTrainer.Options>? configure = null)
    {
        var ml = new MLContext(seed: 1);
        var options = Tiny(o =>
        {
            o.Epochs = 2;
            o.BatchSize = 8;
            o.ValidationFraction = 0.25;
            o.Augmentation = null;
            o.HostReadInterval = interval;
            configure?.Invoke(o);
        });
        return ml.MulticlassClassification.Trainers.ImageCnn(options).Fit(ResumeScenario.Data(ml, rows: 64));
    }

    [TestMethod]
    public void ReadingEveryFewStepsKeepsTheMetricsAndWeightsBitForBit()
    {
        var everyStep = Train(null);
        var deferred = Train(Interval);
        static EpochMetrics[] Untimed(ImageCnnTransformer model) => model.History.Epochs.Select(e => e with { Seconds = 0 }).ToArray();
        CollectionAssert.AreEqual(Untimed(everyStep), Untimed(deferred), "the epochs' losses and accuracies");
        WeightsAssert.BitIdentical(everyStep.Network, deferred.Network, "reading less often changes no weight");
    }

    [TestMethod]
    public void ProgressComesAtTheReadStepsWithTheRunningFiguresOfThoseSteps()
    {
        var everyStep = new List<TrainingProgress>();
        var deferred = new List<TrainingProgress>();
        Train(null, o => o.OnProgress = everyStep.Add);
        Train(Interval, o => o.OnProgress = deferred.Add);
        int steps = everyStep[0].Steps;
        Assert.AreEqual(2 * steps, everyStep.Count, "every step of two epochs");
        Assert.IsTrue(steps > Interval && steps % Interval != 0, $"{steps} steps per epoch: the test needs a last step off the interval");
        var readSteps = Enumerable.Range(1, steps).Where(s => s % Interval == 0 || s == steps).ToArray();
        CollectionAssert.AreEqual(readSteps.Concat(readSteps).ToArray(), deferred.Select(p => p.Step).ToArray(), "every 4th step and each epoch's last");
        foreach (var report in deferred)
            Assert.AreEqual(everyStep.Single(p => p.Epoch == report.Epoch && p.Step == report.Step), report);
    }

    [TestMethod]
    public void ANonFiniteLossIsFoundAtTheNextReadAndTheSameWeightsAreKept()
    {
        var immediate = Assert.ThrowsExactly<TrainingDivergedException>(() => Train(null, PoisonSecondStepOfEpoch2));
        var deferred = Assert.ThrowsExactly<TrainingDivergedException>(() => Train(Interval, PoisonSecondStepOfEpoch2));
        TestAssert.MessageContains(immediate, "the training loss became NaN at epoch 2, step 2");
        TestAssert.MessageContains(deferred, "the training loss became NaN or infinite at epoch 2, between steps 1 and 4", "end of epoch 1");
        WeightsAssert.BitIdentical(immediate.LastGoodModel.Network, deferred.LastGoodModel.Network, "both keep epoch 1's weights");
        Assert.AreEqual(1, deferred.LastGoodModel.History.Epochs.Count);

        static void PoisonSecondStepOfEpoch2(ImageCnnTrainer.Options o)
            => o.Callbacks.Add(new Lambda(loss: s => { if (s.Epoch == 1 && s.Step == 1) s.Loss = s.Loss! * double.NaN; }));
    }
}
