namespace MLExtensions.UnitTests;

/// <summary>Each curve pattern of the training checklist is named, with its evidence, on synthetic histories and on a real overfitting run.</summary>
[TestClass]
public sealed class CurveDiagnosticsTests
{
    private static TrainingHistory History(double[] loss, double[] accuracy, double[]? validationLoss = null, double[]? validationAccuracy = null,
        double[]? rates = null, TrainingStopReason reason = TrainingStopReason.Completed, string? message = null)
        => new(loss.Select((l, i) => new EpochMetrics(i + 1, l, accuracy[i], validationLoss?[i], validationAccuracy?[i],
                rates?[i] ?? 1e-3 * (1 - i / (double)loss.Length), 1)).ToList(),
            reason, loss.Length, 0, message);

    private static CurveFinding[] Findings(TrainingHistory history, int classes = 10)
        => CurveDiagnostics.Diagnose(history, classes).Select(d => d.Finding).ToArray();

    private static CurveDiagnosis Only(TrainingHistory history, CurveFinding finding, int classes = 10)
    {
        var diagnoses = CurveDiagnostics.Diagnose(history, classes);
        var found = diagnoses.FirstOrDefault(d => d.Finding == finding);
        Assert.IsNotNull(found, $"expected {finding}, got: {string.Join(" | ", diagnoses)}");
        return found;
    }

    [TestMethod]
    public void AHealthyRunIsHealthyAndNothingElse()
    {
        var history = History([1.0, 0.6, 0.4, 0.3, 0.25], [0.70, 0.85, 0.92, 0.95, 0.96], [0.9, 0.6, 0.45, 0.4, 0.38], [0.70, 0.84, 0.90, 0.92, 0.93]);
        CollectionAssert.AreEqual(new[] { CurveFinding.Healthy }, Findings(history));
    }

    [TestMethod]
    public void AGrowingGapAndARisingValidationLossAreOverfitting()
    {
        var diagnosis = Only(History([1.0, 0.4, 0.15, 0.05, 0.02, 0.01], [0.70, 0.90, 0.97, 0.99, 1.0, 1.0],
            [0.9, 0.6, 0.6, 0.7, 0.8, 0.9], [0.68, 0.80, 0.82, 0.81, 0.80, 0.79]), CurveFinding.Overfitting);
        StringAssert.Contains(diagnosis.Evidence, "training accuracy 100.0 % against validation 79.0 % (gap 21.0 points");
        StringAssert.Contains(diagnosis.Evidence, "validation loss 0.6000 at epoch 2 → 0.9000");
        StringAssert.Contains(diagnosis.Recommendation, "regularisation");
    }

    [TestMethod]
    public void NoGapAtLowAccuracyIsUnderfitting()
    {
        var diagnosis = Only(History([1.5, 1.2, 1.1, 1.05, 1.03, 1.02], [0.50, 0.60, 0.65, 0.68, 0.69, 0.70],
            [1.5, 1.2, 1.1, 1.06, 1.04, 1.03], [0.50, 0.59, 0.64, 0.67, 0.68, 0.69]), CurveFinding.Underfitting);
        StringAssert.Contains(diagnosis.Evidence, "training accuracy 70.0 %, validation 69.0 % (gap 1.0 points)");
        StringAssert.Contains(diagnosis.Recommendation, "capacity");
        CollectionAssert.DoesNotContain(Findings(History([1.5, 1.2, 1.1, 1.05, 1.03, 1.02], [0.50, 0.60, 0.65, 0.68, 0.69, 0.70])), CurveFinding.Overfitting);
    }

    [TestMethod]
    public void AFlatLossAtChanceIsNotLearning()
    {
        var diagnosis = Only(History([2.303, 2.302, 2.302, 2.301], [0.10, 0.10, 0.11, 0.10]), CurveFinding.NotLearning);
        StringAssert.Contains(diagnosis.Evidence, "training loss 2.3030 → 2.3010 over 4 epochs (ln 10 = 2.3026), accuracy 10.0 % (chance 10.0 %)");
        CollectionAssert.DoesNotContain(Findings(History([2.303, 2.302, 2.302, 2.301], [0.10, 0.10, 0.11, 0.10])), CurveFinding.Underfitting);
    }

    [TestMethod]
    public void FlatFirstEpochsThenAFallIsASlowStart()
    {
        var diagnosis = Only(History([2.30, 2.29, 2.28, 1.5, 0.8, 0.5], [0.10, 0.10, 0.12, 0.45, 0.75, 0.85]), CurveFinding.SlowStart);
        StringAssert.Contains(diagnosis.Evidence, "training loss 2.3000 → 2.2800 over the first 3 epochs, then 0.5000 by epoch 6");
        StringAssert.Contains(diagnosis.Recommendation, "initialisation");
    }

    [TestMethod]
    public void ANaNOrARisingLossIsDiverging()
    {
        var nan = Only(History([0.8, double.NaN], [0.7, 0.1], reason: TrainingStopReason.Diverged,
            message: "ImageCnn: the training loss became NaN at epoch 2, step 3 (learning rate 10)."), CurveFinding.Diverging);
        StringAssert.Contains(nan.Evidence, "became NaN at epoch 2");
        var rising = Only(History([0.8, 0.6, 0.9, 1.5, 2.5], [0.7, 0.8, 0.7, 0.5, 0.3]), CurveFinding.Diverging);
        StringAssert.Contains(rising.Evidence, "training loss 0.6000 at epoch 2, 2.5000 at epoch 5");
        StringAssert.Contains(rising.Recommendation, "lower the learning rate");
    }

    [TestMethod]
    public void AStalledLossAtAConstantRateIsAPlateau()
    {
        double[] constant = [1e-3, 1e-3, 1e-3, 1e-3, 1e-3, 1e-3];
        var diagnosis = Only(History([1.0, 0.6, 0.5, 0.498, 0.497, 0.4965], [0.60, 0.80, 0.85, 0.855, 0.856, 0.856], rates: constant), CurveFinding.Plateau);
        StringAssert.Contains(diagnosis.Evidence, "training loss 0.5000 → 0.4965 over the last 3 epochs at a constant learning rate 0.001");
        StringAssert.Contains(diagnosis.Recommendation, "decay the learning rate");
        double[] decaying = [1e-3, 8e-4, 6e-4, 4e-4, 2e-4, 1e-4];
        CollectionAssert.DoesNotContain(Findings(History([1.0, 0.6, 0.5, 0.498, 0.497, 0.4965], [0.60, 0.80, 0.85, 0.855, 0.856, 0.856], rates: decaying)), CurveFinding.Plateau);
    }

    [TestMethod]
    public void AJumpingValidationAccuracyIsNoisyValidation()
    {
        var diagnosis = Only(History([1.0, 0.6, 0.45, 0.35, 0.3, 0.27], [0.80, 0.85, 0.88, 0.90, 0.91, 0.92],
            [0.7, 0.9, 0.5, 0.8, 0.45, 0.75], [0.80, 0.70, 0.86, 0.72, 0.88, 0.74]), CurveFinding.NoisyValidation);
        StringAssert.Contains(diagnosis.Evidence, "validation accuracy moves 14.0 points per epoch on average, training accuracy 2.4 points");
    }

    [TestMethod]
    public void ARealRunOnTinyDataWithoutRegularisationIsDiagnosedAsOverfitting()
    {
        var data = CnnTestData.Load(trainRows: 60, testRows: 400);
        var model = CnnTestData.Fit(data, CnnTestData.Tiny(o =>
        {
            o.Widths = [16, 32];
            o.HiddenUnits = 64;
            o.Dropout = 0;
            o.WeightDecay = 0;
            o.Epochs = 30;
            o.BatchSize = 10;
            o.LearningRate = 2e-3;
            o.ValidationSet = data.Test;
        }));
        var diagnoses = model.DiagnoseCurves();
        var overfitting = diagnoses.FirstOrDefault(d => d.Finding == CurveFinding.Overfitting);
        Assert.IsNotNull(overfitting, $"got: {string.Join(" | ", diagnoses)}; history: {string.Join(" | ", model.History.Epochs)}");
        Assert.IsTrue(model.History.Epochs[^1].TrainAccuracy > 0.95, overfitting.Evidence);
    }
}
