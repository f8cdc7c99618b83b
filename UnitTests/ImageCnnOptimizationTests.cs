using MLExtensions.Cnn;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLExtensions.UnitTests;

[TestClass]
public sealed class ImageCnnOptimizationTests
{
    private static CnnTestData.Keyed? _data;
    private static CnnTestData.Keyed Data => _data ??= CnnTestData.Load(trainRows: 128, testRows: 50);

    [TestMethod]
    public void EveryOptimizerIsTorchSharpsWithTheRequestedSettings()
    {
        using var net = nn.Linear(4, 2);
        optim.Optimizer Make(OptimizerKind kind) => OptimizerFactory.Create(net.parameters(), new ImageCnnTrainer.Options
        {
            Optimizer = kind, LearningRate = 0.05, Momentum = 0.8, Beta1 = 0.85, Beta2 = 0.99, WeightDecay = 0.01,
        });
        var expected = new Dictionary<OptimizerKind, Type>
        {
            [OptimizerKind.Sgd] = typeof(SGD), [OptimizerKind.SgdMomentum] = typeof(SGD), [OptimizerKind.SgdNesterov] = typeof(SGD),
            [OptimizerKind.AdaGrad] = typeof(Adagrad), [OptimizerKind.RmsProp] = typeof(RMSProp), [OptimizerKind.Adam] = typeof(Adam),
            [OptimizerKind.AdamW] = typeof(AdamW), [OptimizerKind.AmsGrad] = typeof(Adam), [OptimizerKind.RAdam] = typeof(RAdam),
        };
        CollectionAssert.AreEquivalent(Enum.GetValues<OptimizerKind>(), expected.Keys.ToArray());
        foreach (var (kind, type) in expected)
        {
            using var optimizer = Make(kind);
            Assert.IsInstanceOfType(optimizer, type, kind.ToString());
            Assert.AreEqual(0.05, optimizer.ParamGroups.Single().LearningRate, 1e-12);
        }
        SGD.Options Sgd(OptimizerKind kind) => (SGD.Options)((SGD)Make(kind)).ParamGroups.Cast<SGD.ParamGroup>().Single().Options;
        Assert.AreEqual(0.0, Sgd(OptimizerKind.Sgd).momentum);
        Assert.AreEqual(0.8, Sgd(OptimizerKind.SgdMomentum).momentum);
        Assert.IsFalse(Sgd(OptimizerKind.SgdMomentum).nesterov);
        Assert.IsTrue(Sgd(OptimizerKind.SgdNesterov).nesterov);
        Adam.Options AdamOptions(OptimizerKind kind) => (Adam.Options)((Adam)Make(kind)).ParamGroups.Cast<Adam.ParamGroup>().Single().Options;
        Assert.IsFalse(AdamOptions(OptimizerKind.Adam).amsgrad);
        Assert.IsTrue(AdamOptions(OptimizerKind.AmsGrad).amsgrad);
        Assert.AreEqual(0.85, AdamOptions(OptimizerKind.Adam).beta1);
        Assert.AreEqual(0.01, AdamOptions(OptimizerKind.Adam).weight_decay);
    }

    [TestMethod]
    public void EveryOptimizerTrains()
    {
        foreach (var kind in Enum.GetValues<OptimizerKind>())
        {
            double rate = kind is OptimizerKind.Sgd or OptimizerKind.SgdMomentum or OptimizerKind.SgdNesterov or OptimizerKind.AdaGrad ? 0.05 : 2e-3;
            var model = CnnTestData.Fit(Data, CnnTestData.Tiny(o => { o.Optimizer = kind; o.LearningRate = rate; o.Epochs = 3; }));
            var epochs = model.History.Epochs;
            Assert.IsTrue(epochs[^1].TrainLoss < epochs[0].TrainLoss, $"{kind}: loss {epochs[0].TrainLoss:F3} -> {epochs[^1].TrainLoss:F3}");
        }
    }

    // Closed forms from the training checklist, per 0-based epoch e of E, at the epoch's first step.
    private static IEnumerable<object[]> Schedules()
    {
        const int E = 6;
        yield return [LearningRateSchedule.Constant(), (Func<int, double>)(_ => 1)];
        yield return [LearningRateSchedule.Step(2, 0.5), (Func<int, double>)(e => Math.Pow(0.5, e / 2))];
        yield return [LearningRateSchedule.MultiStep([1, 4], 0.1), (Func<int, double>)(e => Math.Pow(0.1, (e >= 1 ? 1 : 0) + (e >= 4 ? 1 : 0)))];
        yield return [LearningRateSchedule.Exponential(0.3), (Func<int, double>)(e => Math.Exp(-0.3 * e))];
        yield return [LearningRateSchedule.InverseTime(0.5), (Func<int, double>)(e => 1 / (1 + 0.5 * e))];
        yield return [LearningRateSchedule.Linear(0.1), (Func<int, double>)(e => 1 - 0.9 * e / E)];
        yield return [LearningRateSchedule.Cosine(0.0), (Func<int, double>)(e => (1 + Math.Cos(Math.PI * e / E)) / 2)];
        yield return [LearningRateSchedule.Cyclical(4, 0.2), (Func<int, double>)(e => 0.2 + 0.8 * (1 - Math.Abs(2 * (e % 4) / 4.0 - 1)))];
        yield return [LearningRateSchedule.OneCycle(), (Func<int, double>)(e =>
        {
            double p = (double)e / E;
            return p < 0.3 ? 1 + (1 / 25.0 - 1) * (1 + Math.Cos(Math.PI * p / 0.3)) / 2
                           : 1 / 25.0 / 1e4 + (1 - 1 / 25.0 / 1e4) * (1 + Math.Cos(Math.PI * (p - 0.3) / 0.7)) / 2;
        })];
    }

    [TestMethod]
    [DynamicData(nameof(Schedules))]
    public void LearningRatePerEpochFollowsTheSchedule(LearningRateSchedule schedule, Func<int, double> multiple)
    {
        const double baseRate = 0.01;
        var model = CnnTestData.Fit(Data, CnnTestData.Tiny(o => { o.Optimizer = OptimizerKind.Sgd; o.LearningRate = baseRate; o.Epochs = 6; o.Schedule = schedule; }));
        var rates = model.History.Epochs.Select(e => e.LearningRate).ToArray();
        Assert.AreEqual(6, rates.Length);
        for (int e = 0; e < rates.Length; e++)
            Assert.AreEqual(baseRate * multiple(e), rates[e], 1e-12, $"{schedule} epoch {e}");
    }

    [TestMethod]
    public void WarmupRampsLinearlyPerStep()
    {
        var schedule = LearningRateSchedule.Cosine(warmupEpochs: 2);
        const int steps = 4, epochs = 10;
        Assert.AreEqual(0.1 * 1 / 8.0 * Cosine(0), schedule.Rate(0.1, 0, 0, steps, epochs), 1e-12);
        Assert.AreEqual(0.1 * 6 / 8.0 * Cosine(1.25), schedule.Rate(0.1, 1, 1, steps, epochs), 1e-12);
        Assert.AreEqual(0.1 * Cosine(2), schedule.Rate(0.1, 2, 0, steps, epochs), 1e-12, "no warmup factor after the warmup epochs");
        static double Cosine(double t) => (1 + Math.Cos(Math.PI * t / 10)) / 2;
    }

    [TestMethod]
    public void ReduceOnPlateauCutsTheRateAfterPatienceEpochsWithoutImprovement()
    {
        // A min delta no epoch can beat: only the first epoch counts as an improvement.
        var model = CnnTestData.Fit(Data, CnnTestData.Tiny(o =>
        {
            o.Optimizer = OptimizerKind.Sgd; o.LearningRate = 0.01; o.Epochs = 6; o.ValidationFraction = 0.25;
            o.Schedule = LearningRateSchedule.ReduceOnPlateau(patience: 2, factor: 0.5, minDelta: 1e9);
        }));
        CollectionAssert.AreEqual(new[] { 0.01, 0.01, 0.01, 0.005, 0.005, 0.0025 }, model.History.Epochs.Select(e => e.LearningRate).ToArray());
    }

    [TestMethod]
    public void WeightDecayAndL1ShrinkWeights()
    {
        double Norm(ImageCnnTransformer m, int p) => m.Network.named_parameters().Where(x => x.parameter.dim() > 1)
            .Sum(x => x.parameter.abs().pow(p).sum().item<float>());
        ImageCnnTransformer Train(Action<ImageCnnTrainer.Options> configure) => CnnTestData.Fit(Data, CnnTestData.Tiny(o =>
        {
            o.Optimizer = OptimizerKind.Sgd; o.LearningRate = 0.05; o.Epochs = 3; configure(o);
        }));
        var plain = Train(_ => { });
        // 12 SGD steps of lr 0.05: weight decay 1 alone shrinks every weight by 0.95 per step.
        var decayed = Train(o => o.WeightDecay = 1.0);
        var lasso = Train(o => o.L1Regularization = 0.05);
        var elastic = Train(o => { o.L1Regularization = 0.05; o.WeightDecay = 1.0; });
        Assert.IsTrue(Norm(decayed, 2) < 0.9 * Norm(plain, 2), $"L2: {Norm(decayed, 2):F2} vs {Norm(plain, 2):F2}");
        Assert.IsTrue(Norm(lasso, 1) < 0.9 * Norm(plain, 1), $"L1: {Norm(lasso, 1):F2} vs {Norm(plain, 1):F2}");
        Assert.IsTrue(Norm(elastic, 1) < Norm(lasso, 1) && Norm(elastic, 2) < Norm(lasso, 2), "elastic net shrinks more than L1 alone");
    }

    [TestMethod]
    public void LabelSmoothingMakesPredictionsLessConfident()
    {
        double Confidence(ImageCnnTransformer m) => CnnTestData.Scores(m, Data.Test).Average(s => s.Max());
        var sharp = CnnTestData.Fit(Data, CnnTestData.Tiny(o => { o.Epochs = 8; o.LearningRate = 5e-3; }));
        var smooth = CnnTestData.Fit(Data, CnnTestData.Tiny(o => { o.Epochs = 8; o.LearningRate = 5e-3; o.LabelSmoothing = 0.6; }));
        Assert.IsTrue(Confidence(smooth) < Confidence(sharp) - 0.05, $"{Confidence(smooth):F3} vs {Confidence(sharp):F3}");
        Assert.IsTrue(Confidence(smooth) < 0.45, "with smoothing 0.6 the target's own probability is 0.46");
    }

    [TestMethod]
    public void GradientClippingBoundsEveryStep()
    {
        ImageCnnTransformer Train(double? clip) => CnnTestData.Fit(Data, CnnTestData.Tiny(o =>
        {
            o.Optimizer = OptimizerKind.Sgd; o.LearningRate = 0.1; o.Epochs = 1; o.GradientClipNorm = clip; o.Normalization = NormalizationKind.None;
        }));
        var initial = CnnTestData.Weights(Train(1e-12).Network);
        var clipped = CnnTestData.Weights(Train(1e-3).Network);
        var free = CnnTestData.Weights(Train(null).Network);
        double Distance(float[] a) => Math.Sqrt(a.Zip(initial, (x, y) => (double)(x - y) * (x - y)).Sum());
        // 4 steps of plain SGD, each moving the weights by at most lr × clip.
        Assert.IsTrue(Distance(clipped) <= 4 * 0.1 * 1e-3 * 1.0001, $"clipped run moved {Distance(clipped):E3}");
        Assert.IsTrue(Distance(free) > 10 * Distance(clipped), $"unclipped run moved only {Distance(free):E3}");
    }

    [TestMethod]
    public void DropoutIsActiveInTrainingOnly()
    {
        var model = CnnTestData.Fit(Data, CnnTestData.Tiny(o => o.Dropout = 0.5));
        var dropout = model.Network.named_modules().Select(m => m.module).OfType<Dropout>().Single();
        Assert.IsFalse(model.Network.training, "the fitted network must be in evaluation mode");
        CollectionAssert.AreEqual(CnnTestData.Scores(model, Data.Test)[0], CnnTestData.Scores(model, Data.Test)[0], "scoring is deterministic");

        using var x = ones(8, 16);
        dropout.train();
        using var trained = dropout.forward(x);
        double zeroed = trained.eq(0).sum().item<long>() / 128.0;
        Assert.AreEqual(0.5, zeroed, 0.2, "about half the units are dropped in training");
        Assert.AreEqual(2f, trained.max().item<float>(), "inverted dropout scales the kept units by 1/(1-p)");
        dropout.eval();
        using var evaluated = dropout.forward(x);
        Assert.IsTrue(evaluated.allclose(x, rtol: 0, atol: 0), "identity at evaluation");
    }

    [TestMethod]
    public void BatchNormUsesRunningStatisticsAtInference()
    {
        var model = CnnTestData.Fit(Data, CnnTestData.Tiny());
        var norm = model.Network.named_modules().Select(m => m.module).OfType<BatchNorm2d>().First();
        Assert.IsTrue(norm.running_mean!.abs().sum().item<float>() > 0, "running mean was never updated");
        // With running statistics, an image's score does not depend on the rest of its batch.
        var batched = CnnTestData.Scores(model, Data.Test);
        var engine = Data.Ml.Model.CreatePredictionEngine<FashionMnistImage, ScoreRow>(new Microsoft.ML.Data.TransformerChain<Microsoft.ML.ITransformer>(Data.KeyMap, model));
        var first = Data.Ml.Data.CreateEnumerable<FashionMnistImage>(Data.Ml.Data.TakeRows(
            Data.Ml.Data.LoadFashionMnist(FashionMnistSource.EmbeddedSubset).Test, 3), false).ToArray();
        for (int i = 0; i < first.Length; i++)
            CollectionAssert.AreEqual(batched[i], engine.Predict(first[i]).Score, new Tolerance(1e-6f), $"row {i} scored alone differs from its batch");
    }

    private sealed class ScoreRow
    {
        public float[] Score { get; set; } = [];
    }
}
