namespace MLExtensions.UnitTests;

/// <summary>
/// The two ways to stop a Fit: its own <c>CancellationToken</c> (stops that Fit only) and ML.NET's
/// <c>mlContext.CancelExecution()</c> (stops everything on that MLContext, for good).
/// </summary>
[TestClass]
public sealed class CancellationTests
{
    [TestMethod]
    public void AFitsTokenStopsItAfterTheStepInProgressAndLeavesTheContextUsable()
    {
        var data = CnnTestData.Load(trainRows: 1000);
        using var cancel = new CancellationTokenSource();
        int lastStep = 0;
        var cancelled = CnnTestData.Fit(data, CnnTestData.Tiny(o =>
        {
            o.Epochs = 4;
            o.CancellationToken = cancel.Token;
            o.OnProgress = progress =>
            {
                lastStep = progress.Step;
                if (progress.Epoch == 3 && progress.Step == 3)
                    cancel.Cancel();
            };
        }));
        Assert.AreEqual(TrainingStopReason.Cancelled, cancelled.History.StopReason);
        Assert.AreEqual(2, cancelled.History.Epochs.Count, "epochs 1 and 2 complete, epoch 3 stopped");
        Assert.AreEqual(3, lastStep, "no step after the cancel");
        StringAssert.Contains(cancelled.History.StopMessage!, "cancelled at epoch 3, step 4");
        double accuracy = CnnTestData.Accuracy(data, cancelled);
        Assert.IsTrue(accuracy > 0.3, $"accuracy {accuracy} (chance 0.1): the returned model should hold trained weights");

        var next = CnnTestData.Fit(data, CnnTestData.Tiny());
        Assert.AreEqual(TrainingStopReason.Completed, next.History.StopReason, "the MLContext is not cancelled");

        var before = Assert.Throws<OperationCanceledException>(() => CnnTestData.Fit(data, CnnTestData.Tiny(o => o.CancellationToken = cancel.Token)));
        Assert.AreEqual(cancel.Token, before.CancellationToken, "a token cancelled before the Fit stops it while it reads the data");
    }

    [TestMethod]
    public void CancelExecutionStopsTheRunningFitAndEveryLaterOneOnThatContext()
    {
        var data = CnnTestData.Load(trainRows: 256);
        var cancelled = CnnTestData.Fit(data, CnnTestData.Tiny(o =>
        {
            o.Epochs = 3;
            o.OnEpochEnd = e => { if (e.Epoch == 1) data.Ml.CancelExecution(); };
        }));
        Assert.AreEqual(TrainingStopReason.Cancelled, cancelled.History.StopReason);
        Assert.AreEqual(1, cancelled.History.Epochs.Count);
        // ML.NET's flag stays set: a new MLContext is needed to train again.
        Assert.Throws<OperationCanceledException>(() => CnnTestData.Fit(data, CnnTestData.Tiny()));
    }
}
