using Microsoft.ML;
using TorchSharp.Modules;
using static MLExtensions.UnitTests.CheckpointResumeTests;
using static TorchSharp.torch;

namespace MLExtensions.UnitTests;

/// <summary>EMA and SWA against averages computed by hand from the weights a callback recorded during training.</summary>
[TestClass]
public sealed class WeightAveragingTests
{
    private const int Rows = 96;

    private static ImageCnnTransformer Train(ImageCnnTrainer.Options options, out IDataView data)
    {
        var ml = new MLContext(seed: 1);
        data = ResumeScenario.Data(ml, Rows);
        return ml.MulticlassClassification.Trainers.ImageCnn(options).Fit(data);
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void EmaHoldsTheMovingAverageOfTheWeightsAfterEveryStep(bool warmup)
    {
        var recorder = new WeightRecorder(afterStep: true);
        var ema = WeightAveraging.Ema(decay: 0.8, warmup);
        var model = Train(Tiny(o => { o.Augmentation = null; o.WeightAveraging = ema; o.Callbacks.Add(recorder); }), out _);

        var expected = recorder.Initial.ToDictionary(p => p.Key, p => p.Value.ToArray());
        for (int k = 0; k < recorder.Steps.Count; k++)
        {
            double decay = warmup ? Math.Min(0.8, (1.0 + k) / (10.0 + k)) : 0.8;
            Assert.AreEqual(decay, ema.DecayAt(k), 1e-15);
            foreach (var (name, average) in expected)
                for (int i = 0; i < average.Length; i++)
                    average[i] = decay * average[i] + (1 - decay) * recorder.Steps[k][name][i];
        }
        Assert.AreEqual(9, recorder.Steps.Count, "3 epochs of 3 steps");
        AssertWeights(expected, model.Network, 1e-5, $"EMA, warmup {warmup}");
        var counter = model.Network.state_dict().First(p => p.Key.EndsWith("num_batches_tracked"));
        Assert.AreEqual(9L, counter.Value.item<long>(), "BatchNorm's batch counter is copied, not averaged");
    }

    [TestMethod]
    public void SwaHoldsTheMeanOfTheWeightsAtTheEndOfEveryEpochFromItsStart()
    {
        var recorder = new WeightRecorder(afterStep: false);
        var model = Train(Tiny(o =>
        {
            o.Augmentation = null; o.Normalization = NormalizationKind.None; o.Epochs = 5;
            o.Optimizer = OptimizerKind.SgdMomentum; o.LearningRate = 0.05;
            o.WeightAveraging = WeightAveraging.Swa(startEpoch: 3);
            o.Callbacks.Add(recorder);
        }), out _);

        var averaged = recorder.Epochs.Skip(2).ToArray();
        Assert.AreEqual(3, averaged.Length, "epochs 3, 4 and 5");
        var expected = averaged[0].Keys.ToDictionary(name => name, name =>
            Enumerable.Range(0, averaged[0][name].Length).Select(i => averaged.Average(epoch => epoch[name][i])).ToArray());
        AssertWeights(expected, model.Network, 1e-6, "SWA");
    }

    [TestMethod]
    public void SwaRecomputesBatchNormStatisticsForTheAveragedWeights()
    {
        var model = Train(Tiny(o => { o.Augmentation = null; o.Epochs = 3; o.WeightAveraging = WeightAveraging.Swa(startEpoch: 2); }), out var data);

        // Run the fitted network over the training images in the trainer's batches and average the first
        // BatchNorm layer's batch statistics by hand.
        var network = model.Network;
        var norm = network.modules().OfType<BatchNorm2d>().First();
        var means = new List<Tensor>();
        var variances = new List<Tensor>();
        var hook = norm.register_forward_pre_hook((_, input) =>
        {
            means.Add(input.mean([0, 2, 3]).detach().DetachFromDisposeScope());
            variances.Add(input.var([0, 2, 3], unbiased: true).detach().DetachFromDisposeScope());
            return null!; // keep the input unchanged
        });
        var images = TestData.ReadVectors(data, "Features");
        network.eval();
        try
        {
            using (no_grad())
                for (int start = 0; start < images.Length; start += 32)
                {
                    var batch = images.Skip(start).Take(32).SelectMany(x => x).ToArray();
                    using var x = tensor(batch, [batch.Length / 784, 1, 28, 28]);
                    network.forward(x).Dispose();
                }
        }
        finally
        {
            hook.remove();
        }
        Assert.AreEqual(3, means.Count);
        AssertClose(stack(means).mean([0]), norm.running_mean!, 1e-5, "running mean");
        AssertClose(stack(variances).mean([0]), norm.running_var!, 1e-5, "running variance");
    }

    [TestMethod]
    public void ValidationMetricsAreThoseOfTheAveragedWeights()
    {
        var ml = new MLContext(seed: 1);
        var all = ResumeScenario.Data(ml, Rows + 64);
        var train = ml.Data.TakeRows(all, Rows);
        var validation = ml.Data.SkipRows(all, Rows);
        ImageCnnTransformer Fit(WeightAveraging? averaging) => ml.MulticlassClassification.Trainers.ImageCnn(
            Tiny(o => { o.Augmentation = null; o.ValidationSet = validation; o.WeightAveraging = averaging; })).Fit(train);

        var averaged = Fit(WeightAveraging.Ema(decay: 0.7));
        double logLoss = ml.MulticlassClassification.Evaluate(averaged.Transform(validation)).LogLoss;
        Assert.AreEqual(logLoss, averaged.History.Epochs[^1].ValidationLoss!.Value, 1e-5, "the last validation was of the weights the model holds");
        var plain = Fit(null);
        Assert.AreNotEqual(plain.History.Epochs[^1].ValidationLoss!.Value, averaged.History.Epochs[^1].ValidationLoss!.Value, 1e-4,
            "without averaging the validation differs");
        CollectionAssert.AreEqual(plain.History.Epochs.Select(e => e.TrainLoss).ToArray(), averaged.History.Epochs.Select(e => e.TrainLoss).ToArray(),
            "averaging leaves the training itself unchanged");
    }

    [TestMethod]
    public void AveragingLeavesFrozenPartsBitIdentical()
    {
        var pretrained = CheckpointResumeTests.Train(Tiny(o => { o.Architecture = CnnArchitecture.ResNet; o.Blocks = [1, 1]; o.Epochs = 1; o.Augmentation = null; }));
        ImageCnnTransformer FineTune(WeightAveraging? averaging)
        {
            var ml = new MLContext(1);
            return ml.MulticlassClassification.Trainers.FineTuneImageCnn(new FineTuneTrainer.Options
            {
                Pretrained = PretrainedNetwork.FromModel(pretrained), Strategy = FineTuneStrategy.TopBlocks(1), WeightAveraging = averaging,
                Epochs = 2, BatchSize = 32, Seed = 3, Device = ComputeDevice.Cpu,
            }).Fit(ResumeScenario.Data(ml, Rows));
        }
        var before = pretrained.Network.state_dict();
        var frozen = FineTune(null).Network.state_dict().Where(p => before.ContainsKey(p.Key) && WeightsAssert.Identical(p.Value, before[p.Key]))
            .Select(p => p.Key).ToArray();
        Assert.IsTrue(frozen.Length > 10, $"only {frozen.Length} frozen entries");
        foreach (var averaging in new WeightAveraging[] { WeightAveraging.Ema(0.9), WeightAveraging.Swa(1) })
        {
            var after = FineTune(averaging).Network.state_dict();
            foreach (var name in frozen)
                Assert.IsTrue(WeightsAssert.Identical(before[name], after[name]), $"{averaging} changed frozen '{name}'");
        }
    }

    [TestMethod]
    public void WeightAveragingResumesBitIdentical()
    {
        foreach (var averaging in new Func<WeightAveraging>[] { () => WeightAveraging.Ema(0.9), () => WeightAveraging.Swa(startEpoch: 2) })
        {
            using var directory = new TempDirectory();
            ImageCnnTrainer.Options Options(string? checkpoints) => Tiny(o =>
            {
                o.Epochs = 4; o.ValidationFraction = 0.25; o.WeightAveraging = averaging(); o.CheckpointDirectory = checkpoints;
                o.EarlyStopping = new EarlyStopping(patience: 4);
            });
            var uninterrupted = CheckpointResumeTests.Train(Options(null));
            TrainAndCancel(Options(directory.Path), afterEpoch: 2);
            var resumed = CheckpointResumeTests.Train(Resuming(Options(directory.Path)));
            WeightsAssert.BitIdentical(uninterrupted.Network, resumed.Network, averaging().ToString()!);
            WeightsAssert.SameHistory(uninterrupted.History, resumed.History, averaging().ToString()!);
        }
    }

    [TestMethod]
    public void AveragingArgumentsAreChecked()
    {
        TestAssert.MessageContains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => WeightAveraging.Ema(1)), "decay must be in (0, 1)");
        TestAssert.MessageContains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => WeightAveraging.Swa(0)), "1-based and must be at least 1");
    }

    private static void AssertWeights(Dictionary<string, double[]> expected, nn.Module network, double tolerance, string what)
    {
        var actual = network.state_dict();
        foreach (var (name, values) in expected)
        {
            var got = actual[name].to(ScalarType.Float64).data<double>().ToArray();
            double worst = values.Zip(got, (e, a) => Math.Abs(e - a) / Math.Max(1, Math.Abs(e))).Max();
            Assert.IsTrue(worst <= tolerance, $"{what}: '{name}' is {worst:E2} off the hand-computed average");
        }
    }

    private static void AssertClose(Tensor expected, Tensor actual, double tolerance, string what)
    {
        double worst = (expected - actual).abs().max().item<float>();
        Assert.IsTrue(worst <= tolerance, $"{what}: {worst:E2} off the hand-computed statistics");
    }

    /// <summary>The floating-point weights and buffers at the start, after every step, and at the end of every epoch's training.</summary>
    private sealed class WeightRecorder(bool afterStep) : TrainingCallback
    {
        public Dictionary<string, double[]> Initial { get; private set; } = [];
        public List<Dictionary<string, double[]>> Steps { get; } = [];
        public List<Dictionary<string, double[]>> Epochs { get; } = [];

        public override void OnFitBegin(TrainingState state) => Initial = Read(state);

        public override void OnStep(TrainingState state)
        {
            if (afterStep)
                Steps.Add(Read(state));
        }

        public override void OnValidationBegin(TrainingState state) => Epochs.Add(Read(state));

        private static Dictionary<string, double[]> Read(TrainingState state)
            => state.Network.state_dict().Where(p => p.Value.is_floating_point())
                .ToDictionary(p => p.Key, p => p.Value.detach().to(ScalarType.Float64).data<double>().ToArray());
    }
}
