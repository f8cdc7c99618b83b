using Microsoft.ML;
using Microsoft.ML.Runtime;
using static TorchSharp.torch;

namespace MLExtensions.UnitTests;

/// <summary>Early stopping and reduce-on-plateau driven by made-up metric sequences, without training.</summary>
[TestClass]
public sealed class MetricMonitorTests
{
    [TestMethod]
    public void EarlyStoppingStopsAfterPatienceEpochsWithoutImprovement()
    {
        var (state, stopping) = Start(new EarlyStopping(patience: 2));
        foreach (double loss in new[] { 1.0, 0.8, 0.85 })
            EndEpoch(state, stopping, validationLoss: loss);
        Assert.IsFalse(state.StopRequested, "one epoch without improvement is within patience");
        EndEpoch(state, stopping, validationLoss: 0.81);
        Assert.AreEqual(TrainingStopReason.EarlyStopped, state.StopReason);
        StringAssert.Contains(state.StopMessage, "after epoch 4; best epoch 2");
        Assert.AreEqual((0.8, 2, 2), (stopping.Best, stopping.BestEpoch, stopping.EpochsWithoutImprovement));
    }

    [TestMethod]
    public void AnImprovementMustBeatTheBestByMoreThanMinDelta()
    {
        var (state, stopping) = Start(new EarlyStopping(patience: 5, minDelta: 0.05));
        foreach (double loss in new[] { 1.0, 0.96, 0.951, 0.94 })
            EndEpoch(state, stopping, validationLoss: loss);
        Assert.AreEqual((0.94, 4, 0), (stopping.Best, stopping.BestEpoch, stopping.EpochsWithoutImprovement), "0.96 and 0.951 are within 0.05 of 1.0; 0.94 is not");
    }

    [TestMethod]
    public void AccuracyIsBetterHigherAndATieIsNoImprovement()
    {
        var (state, stopping) = Start(new EarlyStopping(patience: 2, monitor: EarlyStopping.Metric.ValidationAccuracy));
        foreach (double accuracy in new[] { 0.5, 0.6, 0.6, 0.59 })
            EndEpoch(state, stopping, validationAccuracy: accuracy);
        Assert.AreEqual(TrainingStopReason.EarlyStopped, state.StopReason);
        Assert.AreEqual((0.6, 2), (stopping.Best, stopping.BestEpoch));
    }

    [TestMethod]
    public void ANaNMetricNeverImproves()
    {
        var (state, stopping) = Start(new EarlyStopping(patience: 3));
        EndEpoch(state, stopping, validationLoss: double.NaN);
        Assert.AreEqual((0, 1), (stopping.BestEpoch, stopping.EpochsWithoutImprovement));
        EndEpoch(state, stopping, validationLoss: 2.0);
        Assert.AreEqual((2.0, 2), (stopping.Best, stopping.BestEpoch));
    }

    [TestMethod]
    public void EarlyStoppingRestoresTheBestEpochsWeightsUnlessTrainingDiverged()
    {
        foreach (bool diverged in new[] { false, true })
        {
            var (state, stopping) = Start(new EarlyStopping(patience: 5));
            foreach (var (loss, weight) in new[] { (1.0, 1f), (0.5, 2f), (0.7, 3f) })
            {
                using (no_grad())
                    state.Network.parameters().First().fill_(weight);
                EndEpoch(state, stopping, validationLoss: loss);
            }
            if (diverged)
                state.RequestStop(TrainingStopReason.Diverged, "test");
            stopping.OnFitEnd(state);
            Assert.AreEqual(diverged ? 3f : 2f, state.Network.parameters().First().max().item<float>(), $"diverged: {diverged}");
            Assert.AreEqual(diverged ? 3 : 2, state.WeightsEpoch);
        }
    }

    [TestMethod]
    public void EarlyStoppingWithoutValidationDataIsRefused()
    {
        var state = NewState(hasValidation: false);
        TestAssert.MessageContains(Assert.ThrowsExactly<InvalidOperationException>(() => new EarlyStopping().OnFitBegin(state)), "set ValidationSet or ValidationFraction");
    }

    [TestMethod]
    public void ReduceOnPlateauCutsTheRateAfterPatienceAndStartsCountingAgain()
    {
        var (state, plateau) = Start(new ReduceLearningRateOnPlateau(patience: 2, factor: 0.5));
        var reductions = new List<double>();
        foreach (double loss in new[] { 1.0, 1.0, 1.0, 0.5, 0.6, 0.7, 0.8 })
        {
            EndEpoch(state, plateau, validationLoss: loss);
            reductions.Add(plateau.Reduction);
        }
        CollectionAssert.AreEqual(new[] { 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25 }, reductions);
        state.LearningRate = 0.1;
        plateau.OnBatchBegin(state);
        Assert.AreEqual(0.025, state.LearningRate, 1e-15, "the scheduled rate is multiplied by the reductions so far");
    }

    [TestMethod]
    public void ReduceOnPlateauWatchesTheTrainingLossWithoutValidationData()
    {
        var (state, plateau) = Start(new ReduceLearningRateOnPlateau(patience: 1, factor: 0.1), hasValidation: false);
        EndEpoch(state, plateau, trainLoss: 2.0);
        EndEpoch(state, plateau, trainLoss: 2.5);
        Assert.AreEqual(0.1, plateau.Reduction, 1e-15);
    }

    [TestMethod]
    public void AMonitorsStateSurvivesACheckpointRoundTrip()
    {
        var (state, plateau) = Start(new ReduceLearningRateOnPlateau(patience: 2, factor: 0.5, minDelta: 0.01));
        foreach (double loss in new[] { 1.0, 0.9, 0.95, 0.99, 0.98 })
            EndEpoch(state, plateau, validationLoss: loss);
        using var saved = new CheckpointState("test", CPU);
        plateau.SaveState(state, saved);
        var restored = new ReduceLearningRateOnPlateau(patience: 2, factor: 0.5, minDelta: 0.01);
        restored.LoadState(state, saved);
        Assert.AreEqual((plateau.Best, plateau.BestEpoch, plateau.EpochsWithoutImprovement, plateau.Reduction),
            (restored.Best, restored.BestEpoch, restored.EpochsWithoutImprovement, restored.Reduction));
        TestAssert.MessageContains(Assert.ThrowsExactly<InvalidDataException>(() => restored.LoadState(state, new CheckpointState("callback X", CPU))),
            "no entry 'has best' for callback X");
    }

    [TestMethod]
    public void MonitorArgumentsAreChecked()
    {
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new EarlyStopping(patience: 0));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new EarlyStopping(minDelta: -1));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ReduceLearningRateOnPlateau(factor: 1));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ReduceLearningRateOnPlateau(patience: 0));
    }

    private static (TrainingState State, T Monitor) Start<T>(T monitor, bool hasValidation = true) where T : MetricMonitor
    {
        var state = NewState(hasValidation);
        monitor.OnFitBegin(state);
        return (state, monitor);
    }

    private static TrainingState NewState(bool hasValidation)
    {
        var channel = ((IHostEnvironment)new MLContext(1)).Start("test");
        return new TrainingState("Test", nn.Linear(2, 2), CPU, epochs: 10, stepsPerEpoch: 1, trainingImages: 1, hasValidation, channel);
    }

    private static void EndEpoch(TrainingState state, TrainingCallback monitor, double? validationLoss = null, double? validationAccuracy = null, double trainLoss = 1)
    {
        state.CompleteEpoch(new EpochMetrics(state.Epoch + 1, trainLoss, 0.5, validationLoss, validationAccuracy, 1e-3, 0));
        state.RecordEpoch();
        monitor.OnEpochEnd(state);
        state.Epoch++;
    }
}
