using Microsoft.ML;
using static MLExtensions.UnitTests.CheckpointResumeTests;
using static TorchSharp.torch;

namespace MLExtensions.UnitTests;

/// <summary>The training events, in the documented sequence and order, and what callbacks may change in them.</summary>
[TestClass]
public sealed class TrainingEventsTests
{
    // 64 rows less a stratified quarter for validation: about 48 training images, two batches per epoch.
    private static ImageCnnTransformer TrainSmall(Action<ImageCnnTrainer.Options> configure)
    {
        var ml = new MLContext(seed: 1);
        var options = Tiny(o => { o.Epochs = 2; o.ValidationFraction = 0.25; o.Augmentation = null; configure(o); });
        return ml.MulticlassClassification.Trainers.ImageCnn(options).Fit(ResumeScenario.Data(ml, rows: 64));
    }

    [TestMethod]
    public void EventsFireInTheDocumentedSequenceWithTheStateFilledIn()
    {
        var recorder = new Recorder();
        TrainSmall(o => o.Callbacks.Add(recorder));

        var expected = new List<string> { "FitBegin" };
        for (int epoch = 0; epoch < 2; epoch++)
        {
            expected.Add($"EpochBegin {epoch}");
            for (int step = 0; step < 2; step++)
                expected.AddRange(new[] { "BatchBegin", "Loss", "Backward", "Step", "BatchEnd" }.Select(e => $"{e} {epoch}.{step}"));
            expected.AddRange([$"ValidationBegin {epoch}", $"ValidationEnd {epoch}", $"EpochEnd {epoch}"]);
        }
        expected.Add("FitEnd");
        CollectionAssert.AreEqual(expected, recorder.Events);
        long rest = recorder.TrainingImages - 32;
        CollectionAssert.AreEqual(new[] { 32, rest, 32, rest }, recorder.BatchSizes, "batch sizes seen in OnLoss");
        CollectionAssert.AreEqual(new long[] { 1, 2, 3, 4 }, recorder.GlobalSteps, "optimizer steps counted in OnStep");
    }

    [TestMethod]
    public void CallbacksRunByTheirOrderThenInTheOrderAdded()
    {
        var log = new List<string>();
        TrainSmall(o =>
        {
            o.Epochs = 1;
            o.Callbacks.Add(new Named("late", 5, log));
            o.Callbacks.Add(new Named("early", -5, log));
            o.Callbacks.Add(new Named("first user", CallbackOrder.User, log));
            o.Callbacks.Add(new Named("second user", CallbackOrder.User, log));
        });
        CollectionAssert.AreEqual(new[] { "early", "first user", "second user", "late" }, log.Take(4).ToArray());
    }

    [TestMethod]
    public void AUserCallbackSeesTheScheduledRateAndItsOwnRateIsTheOneUsed()
    {
        var seen = new List<double>();
        var used = new List<double>();
        var model = TrainSmall(o =>
        {
            o.Optimizer = OptimizerKind.Sgd; o.LearningRate = 0.1; o.Schedule = LearningRateSchedule.Step(stepEpochs: 1, gamma: 0.5);
            o.Callbacks.Add(new Lambda(batchBegin: s => { seen.Add(s.LearningRate); s.LearningRate *= 3; },
                backward: s => used.Add(s.Optimizer.ParamGroups.Single().LearningRate)));
        });
        CollectionAssert.AreEqual(new[] { 0.1, 0.1, 0.05, 0.05 }, seen, "the schedule's rate, before the callback's change");
        CollectionAssert.AreEqual(seen.Select(r => r * 3).ToArray(), used, "the optimizer steps with the callback's rate");
        Assert.AreEqual(0.3, model.History.Epochs[0].LearningRate, 1e-15, "the history records the rate used");
        Assert.AreEqual(0.15, model.History.Epochs[1].LearningRate, 1e-15);
    }

    [TestMethod]
    public void ARateOfZeroSetByACallbackLeavesTheParametersUntouched()
    {
        WeightSnapshot? initial = null;
        var model = TrainSmall(o =>
        {
            o.Optimizer = OptimizerKind.Sgd; o.Dropout = 0;
            o.Callbacks.Add(new Lambda(fitBegin: s => initial = s.SnapshotWeights(), batchBegin: s => s.LearningRate = 0));
        });
        using (initial)
            foreach (var (name, parameter) in model.Network.named_parameters())
                Assert.IsTrue(WeightsAssert.Identical(parameter, initial!.Tensors[name]), $"'{name}' moved at rate 0");
    }

    [TestMethod]
    public void AReplacedLossIsWhatTrainingMinimises()
    {
        var ml = new MLContext(seed: 1);
        var options = Tiny(o =>
        {
            o.Epochs = 4; o.LearningRate = 1e-2; o.Augmentation = null;
            // Push every image towards the first class, whatever its label.
            o.Callbacks.Add(new Lambda(loss: s => s.Loss = nn.functional.cross_entropy(s.Logits!, zeros_like(s.Batch!.Labels))));
        });
        var data = ResumeScenario.Data(ml, rows: 128);
        var model = ml.MulticlassClassification.Trainers.ImageCnn(options).Fit(data);
        var predicted = CnnTestData.Scores(model, data).Select(s => Array.IndexOf(s, s.Max())).ToArray();
        Assert.IsTrue(predicted.Count(p => p == 0) >= 0.95 * predicted.Length, $"{predicted.Count(p => p == 0)} of {predicted.Length} predicted as the first class");
    }

    [TestMethod]
    public void AStopRequestEndsTrainingAfterThatStepWithItsReasonInTheHistory()
    {
        using var directory = new TempDirectory();
        WeightSnapshot? afterStep = null;
        var recorder = new Recorder();
        var model = TrainSmall(o =>
        {
            o.Callbacks.Add(recorder);
            o.Callbacks.Add(new Lambda(
                step: s => { if (s.GlobalStep == 1) afterStep = s.SnapshotWeights(); },
                batchEnd: s => { if (s.GlobalStep == 1) s.RequestStop("seen enough"); }));
        });
        Assert.AreEqual(1, recorder.Events.Count(e => e.StartsWith("Step")), "no step after the request");
        Assert.AreEqual(TrainingStopReason.Requested, model.History.StopReason);
        Assert.AreEqual("seen enough", model.History.StopMessage);
        Assert.AreEqual(0, model.History.Epochs.Count, "the first epoch did not finish");
        using (afterStep)
            foreach (var (name, tensor) in model.Network.state_dict())
                Assert.IsTrue(WeightsAssert.Identical(tensor, afterStep!.Tensors[name]), $"'{name}' is not what it was after the stopping step");

        var path = Path.Combine(directory.Path, "stopped.zip");
        var ml = new MLContext();
        ml.Model.Save(model, null, path);
        var loaded = (ImageCnnTransformer)ml.Model.Load(path, out _);
        Assert.AreEqual(TrainingStopReason.Requested, loaded.History.StopReason);
        Assert.AreEqual("seen enough", loaded.History.StopMessage, "the reason is saved with the model");
    }

    [TestMethod]
    public void AStopRequestedAfterAnEpochsLastStepKeepsThatEpoch()
    {
        var model = TrainSmall(o => { o.Epochs = 3; o.Callbacks.Add(new Lambda(batchEnd: s => { if (s.GlobalStep == 4) s.RequestStop("two epochs do"); })); });
        Assert.AreEqual(2, model.History.Epochs.Count);
        Assert.AreEqual(2, model.History.BestEpoch);
        Assert.IsNotNull(model.History.Epochs[^1].ValidationLoss, "the finished epoch was validated");
    }

    [TestMethod]
    public void ALossMadeNonFiniteByAUserCallbackIsCaughtAsDivergence()
    {
        WeightSnapshot? endOfEpoch1 = null;
        var e = Assert.ThrowsExactly<TrainingDivergedException>(() => TrainSmall(o => o.Callbacks.Add(new Lambda(
            epochEnd: s => endOfEpoch1 ??= s.SnapshotWeights(),
            loss: s => { if (s.Epoch == 1) s.Loss = s.Loss! * double.NaN; }))));
        TestAssert.MessageContains(e, "the training loss became NaN at epoch 2, step 1", "end of epoch 1");
        Assert.AreEqual(1, e.LastGoodModel.History.BestEpoch);
        using (endOfEpoch1)
            foreach (var (name, tensor) in e.LastGoodModel.Network.state_dict())
                Assert.IsTrue(WeightsAssert.Identical(tensor, endOfEpoch1!.Tensors[name]), $"'{name}' is not epoch 1's");
    }

    [TestMethod]
    public void ASubclassedScheduleDrivesTheRate()
    {
        var rates = new List<double>();
        var model = TrainSmall(o =>
        {
            o.LearningRate = 0.08; o.Schedule = new HalvedEveryStep();
            o.Callbacks.Add(new Lambda(batchBegin: s => rates.Add(s.LearningRate)));
        });
        CollectionAssert.AreEqual(new[] { 0.08, 0.04, 0.02, 0.01 }, rates);
        Assert.AreEqual("HalvedEveryStep", new HalvedEveryStep().ToString());
        Assert.AreEqual(0.02, model.History.Epochs[1].LearningRate);
    }

    [TestMethod]
    public void AnObjectiveReplacesCrossEntropy()
    {
        var builtIn = TrainSmall(_ => { });
        var same = TrainSmall(o => o.Objective = new PlainCrossEntropy());
        WeightsAssert.BitIdentical(builtIn.Network, same.Network, "an objective computing the same loss");

        var squared = TrainSmall(o => { o.Objective = new SquaredError(); o.Epochs = 4; o.LearningRate = 1e-2; });
        Assert.IsTrue(squared.History.Epochs[^1].TrainLoss < squared.History.Epochs[0].TrainLoss, "the squared error decreases");
        Assert.IsTrue(squared.History.Epochs[0].TrainLoss <= 2, "the history reports the objective's loss: a squared error of probabilities is at most 2");
        Assert.IsTrue(builtIn.History.Epochs[0].TrainLoss > 2, "while the first epoch's cross-entropy is above 2");

        var both = Tiny(o => { o.Objective = new SquaredError(); o.LabelSmoothing = 0.1; });
        TestAssert.MessageContains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new MLContext().MulticlassClassification.Trainers.ImageCnn(both)),
            "LabelSmoothing 0.1 applies to the default objective only");
    }

    [TestMethod]
    public void GradientClippingRecordsTheNormItClipped()
    {
        var before = new List<double>();
        var recorded = new List<double>();
        var clipping = new GradientClipping(1e-3);
        TrainSmall(o =>
        {
            o.Epochs = 1;
            o.Callbacks.Add(clipping);
            o.Callbacks.Add(new Lambda(order: CallbackOrder.GradientClipping - 1, backward: s =>
                before.Add(Math.Sqrt(s.TrainableParameters.Sum(p => p.grad!.pow(2).sum().item<float>())))));
            o.Callbacks.Add(new Lambda(step: s => recorded.Add(s.GradientNorm!.Value)));
        });
        Assert.AreEqual(2, recorded.Count);
        for (int i = 0; i < 2; i++)
            Assert.AreEqual(before[i], recorded[i], before[i] * 1e-4, $"step {i + 1}");
        Assert.AreEqual(recorded[^1], clipping.LastNorm);
        Assert.IsTrue(recorded.All(n => n > 1e-3), "the norms were above the limit, so they were clipped");
    }

    private sealed class HalvedEveryStep : LearningRateSchedule
    {
        protected override double Multiple(SchedulePosition position) => Math.Pow(0.5, position.Epoch * position.StepsPerEpoch + position.Step);
    }

    private sealed class PlainCrossEntropy : TrainingObjective
    {
        public override Tensor Loss(Tensor logits, TrainingBatch batch) => nn.functional.cross_entropy(logits, batch.Labels);
    }

    private sealed class SquaredError : TrainingObjective
    {
        public override Tensor Loss(Tensor logits, TrainingBatch batch)
            => (logits.softmax(1) - nn.functional.one_hot(batch.Labels, logits.shape[1]).to(ScalarType.Float32)).pow(2).sum(1).mean();
    }

    /// <summary>Records every event as "Name epoch.step".</summary>
    private sealed class Recorder : TrainingCallback
    {
        public List<string> Events { get; } = [];
        public List<long> BatchSizes { get; } = [];
        public List<long> GlobalSteps { get; } = [];
        public long TrainingImages { get; private set; }

        public override void OnFitBegin(TrainingState s)
        {
            Events.Add("FitBegin");
            TrainingImages = s.TrainingImages;
        }
        public override void OnEpochBegin(TrainingState s) => Events.Add($"EpochBegin {s.Epoch}");
        public override void OnBatchBegin(TrainingState s) => Events.Add($"BatchBegin {s.Epoch}.{s.Step}");

        public override void OnLoss(TrainingState s)
        {
            Events.Add($"Loss {s.Epoch}.{s.Step}");
            BatchSizes.Add(s.Batch!.Count);
            Assert.AreEqual(s.Batch.Count, (int)s.Logits!.shape[0]);
            Assert.IsTrue(double.IsFinite(s.LossValue));
        }

        public override void OnBackward(TrainingState s) => Events.Add($"Backward {s.Epoch}.{s.Step}");

        public override void OnStep(TrainingState s)
        {
            Events.Add($"Step {s.Epoch}.{s.Step}");
            GlobalSteps.Add(s.GlobalStep);
        }

        public override void OnBatchEnd(TrainingState s) => Events.Add($"BatchEnd {s.Epoch}.{s.Step}");
        public override void OnValidationBegin(TrainingState s) => Events.Add($"ValidationBegin {s.Epoch}");

        public override void OnValidationEnd(TrainingState s)
        {
            Events.Add($"ValidationEnd {s.Epoch}");
            Assert.IsNotNull(s.Metrics?.ValidationLoss);
        }

        public override void OnEpochEnd(TrainingState s)
        {
            Events.Add($"EpochEnd {s.Epoch}");
            Assert.AreEqual(s.Epoch + 1, s.History.Count);
            Assert.AreSame(s.Metrics, s.History[^1]);
        }

        public override void OnFitEnd(TrainingState s) => Events.Add("FitEnd");
    }

    private sealed class Named(string name, int order, List<string> log) : TrainingCallback
    {
        public override int Order => order;
        public override void OnFitBegin(TrainingState state) => log.Add(name);
    }
}
