using Microsoft.ML;
using Microsoft.ML.Data;
using static TorchSharp.torch;

namespace MLExtensions.UnitTests;

[TestClass]
public sealed class AverageEnsembleTests
{
    public TestContext TestContext { get; set; } = null!;

    private static readonly Lazy<(CnnTestData.Keyed Data, ImageCnnTransformer[] Members)> Shared = new(() =>
    {
        var data = CnnTestData.Load(trainRows: 256, testRows: 300);
        var members = Enumerable.Range(0, 3).Select(i => CnnTestData.Fit(data, CnnTestData.Tiny(o => o.Seed = 20 + i))).ToArray();
        return (data, members);
    });

    private static CnnTestData.Keyed Data => Shared.Value.Data;
    private static ImageCnnTransformer[] Members => Shared.Value.Members;

    private string TempPath(string extension) => Path.Combine(TestContext.TestRunDirectory ?? Path.GetTempPath(), $"{Guid.NewGuid():N}.{extension}");

    private static float[][] MemberScores(ITransformer member) => CnnTestData.Scores(member, Data.Test);

    /// <summary>The mean as the documentation defines it: summed in double in member order, divided, rounded once.</summary>
    private static float[][] ExpectedMean(IReadOnlyList<float[][]> members, double[]? weights = null)
        => Enumerable.Range(0, members[0].Length).Select(row => Enumerable.Range(0, members[0][row].Length).Select(k =>
        {
            double sum = 0;
            for (int m = 0; m < members.Count; m++)
                sum += weights is null ? members[m][row][k] : weights[m] * members[m][row][k];
            return (float)(weights is null ? sum / members.Count : sum);
        }).ToArray()).ToArray();

    private static void AssertExactlyEqual(float[][] expected, float[][] actual)
        => CollectionAssert.AreEqual(expected.SelectMany(r => r).ToArray(), actual.SelectMany(r => r).ToArray());

    [TestMethod]
    public void ScoreIsExactlyTheMeanOfTheMembersScoresAlsoAfterReloadInAFreshProcess()
    {
        var ensemble = Data.Ml.Transforms.AverageEnsemble(Members);
        var expected = ExpectedMean(Members.Select(MemberScores).ToArray());
        var scores = CnnTestData.Scores(ensemble, Data.Test);
        AssertExactlyEqual(expected, scores);
        Assert.IsFalse(MemberScores(Members[0]).SelectMany(r => r).SequenceEqual(scores.SelectMany(r => r)), "members must differ for the test to mean anything");

        var path = TempPath("zip");
        Data.Ml.Model.Save(ensemble, Data.Test.Schema, path);
        AssertExactlyEqual(expected, CnnTestData.Scores(new MLContext().Model.Load(path, out _), Data.Test));
        var (isolated, output) = IsolatedProcess.Score(Data.Ml, path, Data.Test, "Score", TestContext.TestRunDirectory ?? Path.GetTempPath());
        CollectionAssert.AreEqual(expected.SelectMany(r => r).ToArray(), isolated, output);
    }

    [TestMethod]
    public void GeometricMeanIsTheNormalisedExpOfTheMeanLog()
    {
        var ensemble = Data.Ml.Transforms.AverageEnsemble(EnsembleCombination.GeometricMean, Members);
        var members = Members.Select(MemberScores).ToArray();
        var scores = CnnTestData.Scores(ensemble, Data.Test);
        for (int row = 0; row < scores.Length; row++)
        {
            var geometric = Enumerable.Range(0, scores[row].Length).Select(k => Math.Exp(members.Average(m => Math.Log(m[row][k])))).ToArray();
            double total = geometric.Sum();
            for (int k = 0; k < scores[row].Length; k++)
                Assert.AreEqual(geometric[k] / total, scores[row][k], 1e-6, $"row {row}, class {k}");
        }
    }

    [TestMethod]
    public void WeightedMeanUsesTheGivenWeightsNormalised()
    {
        var ensemble = Data.Ml.Transforms.AverageEnsemble([1.0, 2.0, 1.0], Members);
        CollectionAssert.AreEqual(new[] { 0.25, 0.5, 0.25 }, ensemble.Weights.ToArray());
        AssertExactlyEqual(ExpectedMean(Members.Select(MemberScores).ToArray(), [0.25, 0.5, 0.25]), CnnTestData.Scores(ensemble, Data.Test));
        var path = TempPath("zip");
        Data.Ml.Model.Save(ensemble, Data.Test.Schema, path);
        var reloaded = (AverageEnsembleTransformer)new MLContext().Model.Load(path, out _);
        Assert.AreEqual(EnsembleCombination.WeightedMean, reloaded.Combination);
        CollectionAssert.AreEqual(ensemble.Weights.ToArray(), reloaded.Weights.ToArray());
    }

    [TestMethod]
    public void FittedWeightsFavourTheBetterMembers()
    {
        var poor = Data.Ml.MulticlassClassification.Trainers.ImageCnn(CnnTestData.Tiny(o => { o.Epochs = 1; o.LearningRate = 1e-5; o.Seed = 3; }));
        var good = Data.Ml.MulticlassClassification.Trainers.ImageCnn(CnnTestData.Tiny(o => { o.Epochs = 3; o.Seed = 4; }));
        var better = Data.Ml.MulticlassClassification.Trainers.ImageCnn(CnnTestData.Tiny(o => { o.Epochs = 3; o.Seed = 5; }));
        var ensemble = Data.Ml.MulticlassClassification.Trainers.AverageEnsemble(new AverageEnsembleEstimator.Options
        {
            Combination = EnsembleCombination.WeightedMean,
            ValidationSet = Data.Test,
        }, poor, good, better).Fit(Data.Train);

        Assert.AreEqual(1.0, ensemble.Weights.Sum(), 1e-9);
        Assert.IsTrue(ensemble.Weights.All(w => w >= 0));
        Assert.IsTrue(ensemble.Weights[0] < Math.Min(ensemble.Weights[1], ensemble.Weights[2]),
            $"the barely trained member got weight {ensemble.Weights[0]} of [{string.Join(", ", ensemble.Weights)}]");
        var members = ensemble.Members.Select(MemberScores).ToArray();
        AssertExactlyEqual(ExpectedMean(members, ensemble.Weights.ToArray()), CnnTestData.Scores(ensemble, Data.Test));
    }

    [TestMethod]
    public void TemplateMembersGetTheirOwnSeedsAndTheEnsembleBeatsChance()
    {
        var ml = new MLContext(seed: 1);
        var log = new List<string>();
        ml.Log += (_, e) => { lock (log) log.Add(e.Message); };
        var ensemble = ml.MulticlassClassification.Trainers.AverageEnsemble(CnnTestData.Tiny(o => { o.Seed = 40; o.Epochs = 3; }), members: 3).Fit(Data.Train);

        Assert.AreEqual(3, ensemble.Members.Count);
        var shape = ml.MulticlassClassification.Trainers.AverageEnsemble(CnnTestData.Tiny(), members: 2)
            .GetOutputSchema(MLNetInternals.SchemaShapes.From(Data.Train.Schema));
        Assert.IsTrue(MLNetInternals.SchemaShapes.TryFind(shape, "Score", out var score) && score.ItemType == NumberDataViewType.Single);
        Assert.IsTrue(MLNetInternals.SchemaShapes.TryFind(shape, "PredictedLabel", out var predicted) && predicted.IsKey);
        for (int i = 0; i < 3; i++)
        {
            var alone = CnnTestData.Fit(Data, CnnTestData.Tiny(o => { o.Seed = 40 + i; o.Epochs = 3; }));
            CollectionAssert.AreEqual(CnnTestData.Weights(alone.Network), CnnTestData.Weights(((ImageCnnTransformer)ensemble.Members[i]).Network), $"member {i} is ImageCnn with seed {40 + i}");
        }
        Assert.IsTrue(log.Any(l => l.Contains("fitting member 3 of 3", StringComparison.Ordinal)));
        var metrics = Data.Ml.MulticlassClassification.Evaluate(ensemble.Transform(Data.Test));
        Assert.IsTrue(metrics.MicroAccuracy > 0.4, $"accuracy {metrics.MicroAccuracy} (10 classes: chance 0.1)");
    }

    [TestMethod]
    public void PipelineMembersRunTheirOwnPreprocessingAndPredictionEngineAgrees()
    {
        var member = Data.Ml.Transforms.SubtractMean("Features", mode: MeanSubtractionMode.PerPixel)
            .Append(Data.Ml.MulticlassClassification.Trainers.ImageCnn(CnnTestData.Tiny(o => o.Seed = 50)));
        var ensemble = Data.Ml.MulticlassClassification.Trainers.AverageEnsemble(member, member).Fit(Data.Train);
        Assert.IsInstanceOfType<TransformerChain<ImageCnnTransformer>>(ensemble.Members[0]);
        AssertExactlyEqual(ExpectedMean(ensemble.Members.Select(MemberScores).ToArray()), CnnTestData.Scores(ensemble, Data.Test));

        var rows = Data.Ml.Data.CreateEnumerable<FashionMnistImage>(
            Data.Ml.Data.TakeRows(Data.Ml.Data.LoadFashionMnist(FashionMnistSource.EmbeddedSubset).Test, 20), reuseRowObject: false).ToArray();
        var pipeline = Data.KeyMap.Append(ensemble);
        var engine = Data.Ml.Model.CreatePredictionEngine<FashionMnistImage, ScorePrediction>(pipeline);
        var batch = CnnTestData.Scores(pipeline, Data.Ml.Data.LoadFromEnumerable(rows));
        for (int i = 0; i < rows.Length; i++)
            CollectionAssert.AreEqual(batch[i], engine.Predict(rows[i]).Score, new Tolerance(1e-6f), $"row {i}: a row scored alone differs from its batch only in rounding");
    }

    [TestMethod]
    public void MembersScoreInBatches()
    {
        var batchSizes = new List<long>();
        CustomArchitectures.Register("ensemble-batch-probe", (shape, classes) => new BatchProbe(shape, classes, batchSizes));
        var probe = Enumerable.Range(0, 2).Select(i => CnnTestData.Fit(Data, CnnTestData.Tiny(o =>
        {
            o.Architecture = CnnArchitecture.Custom;
            o.CustomArchitectureName = "ensemble-batch-probe";
            o.CustomArchitecture = (shape, classes) => new BatchProbe(shape, classes, batchSizes);
            o.Epochs = 1;
            o.Seed = i;
        }))).ToArray();
        var ensemble = Data.Ml.Transforms.AverageEnsemble(probe);
        batchSizes.Clear();
        var scores = CnnTestData.Scores(ensemble, Data.Test);
        Assert.AreEqual(300, scores.Length);
        // Two members, 300 rows, 256 rows per forward pass: 256 + 44 each.
        CollectionAssert.AreEquivalent(new long[] { 256, 44, 256, 44 }, batchSizes);
    }

    [TestMethod]
    public void SnapshotEnsembleKeepsTheWeightsAtEachCycleEnd()
    {
        var options = CnnTestData.Tiny(o => { o.Epochs = 6; o.Schedule = LearningRateSchedule.Cyclical(cycleEpochs: 2); o.Seed = 60; });
        var ensemble = Data.Ml.MulticlassClassification.Trainers.SnapshotEnsemble(options).Fit(Data.Train);
        Assert.AreEqual(3, ensemble.Members.Count);

        // The last snapshot is the end of training: the same weights as one ImageCnn run with the same options.
        var single = CnnTestData.Fit(Data, CnnTestData.Tiny(o => { o.Epochs = 6; o.Schedule = LearningRateSchedule.Cyclical(cycleEpochs: 2); o.Seed = 60; }));
        var weights = ensemble.Members.Select(m => CnnTestData.Weights(((ImageCnnTransformer)m).Network)).ToArray();
        CollectionAssert.AreEqual(CnnTestData.Weights(single.Network), weights[2]);
        Assert.IsFalse(weights[0].SequenceEqual(weights[1]) || weights[1].SequenceEqual(weights[2]), "snapshots from different cycles differ");
        AssertExactlyEqual(ExpectedMean(ensemble.Members.Select(MemberScores).ToArray()), CnnTestData.Scores(ensemble, Data.Test));

        var lastTwo = Data.Ml.MulticlassClassification.Trainers.SnapshotEnsemble(options, lastSnapshots: 2).Fit(Data.Train);
        CollectionAssert.AreEqual(weights[1], CnnTestData.Weights(((ImageCnnTransformer)lastTwo.Members[0]).Network));

        var notCyclical = Assert.ThrowsExactly<ArgumentException>(() =>
            Data.Ml.MulticlassClassification.Trainers.SnapshotEnsemble(CnnTestData.Tiny(o => o.Schedule = LearningRateSchedule.Cosine())));
        TestAssert.MessageContains(notCyclical, "Cyclical", "Cosine");
        var oneCycle = Assert.ThrowsExactly<ArgumentException>(() =>
            Data.Ml.MulticlassClassification.Trainers.SnapshotEnsemble(CnnTestData.Tiny(o => { o.Epochs = 3; o.Schedule = LearningRateSchedule.Cyclical(2); })));
        TestAssert.MessageContains(oneCycle, "1 snapshot(s)", "at least 2");
    }

    [TestMethod]
    public void MismatchedMembersFailAtConstruction()
    {
        var raw = Data.Ml.Data.CreateEnumerable<FashionMnistImage>(
            Data.Ml.Transforms.Conversion.MapKeyToValue("Label").Fit(Data.Train).Transform(Data.Train), reuseRowObject: false).ToArray();
        var three = raw.Select(r => r.Label).Distinct().Take(3).ToArray();
        var threeClasses = Data.Ml.Data.LoadFromEnumerable(raw.Where(r => three.Contains(r.Label)));
        var relabelled = Data.Ml.Transforms.Conversion.MapValueToKey("Label").Fit(threeClasses).Transform(threeClasses);
        var otherLabels = Data.Ml.MulticlassClassification.Trainers.ImageCnn(CnnTestData.Tiny()).Fit(relabelled);
        var labelsError = Assert.ThrowsExactly<ArgumentException>(() => Data.Ml.Transforms.AverageEnsemble(Members[0], otherLabels));
        TestAssert.MessageContains(labelsError, "member 2 predicts 3 classes", "member 1 predicts 10 classes", "MapValueToKey");

        var copied = Data.Ml.Transforms.CopyColumns("Pixels", "Features").Fit(Data.Train).Transform(Data.Train);
        var otherColumn = Data.Ml.MulticlassClassification.Trainers.ImageCnn(CnnTestData.Tiny(o => o.FeatureColumnName = "Pixels")).Fit(copied);
        var columnError = Assert.ThrowsExactly<ArgumentException>(() => Data.Ml.Transforms.AverageEnsemble(Members[0], otherColumn));
        TestAssert.MessageContains(columnError, "member 2 reads column 'Pixels'", "'Features'");

        var notACnn = Assert.ThrowsExactly<ArgumentException>(() => Data.Ml.Transforms.AverageEnsemble(Members[0], Data.KeyMap));
        TestAssert.MessageContains(notACnn, "member 2", "contains no ImageCnn model");

        var weights = Assert.ThrowsExactly<ArgumentException>(() => Data.Ml.Transforms.AverageEnsemble([1.0, 2.0], Members));
        TestAssert.MessageContains(weights, "one weight per member (3), got 2");

        Assert.ThrowsExactly<ArgumentException>(() => Data.Ml.Transforms.AverageEnsemble(Members[0]));
        var withoutFeatures = Data.Ml.Transforms.DropColumns("Features").Fit(copied).Transform(copied);
        var input = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Data.Ml.Transforms.AverageEnsemble(Members).Transform(withoutFeatures));
        TestAssert.MessageContains(input, "member 1 cannot read this input", "Features");
    }

    private sealed class ScorePrediction
    {
        public float[] Score { get; set; } = [];
    }

    private sealed class BatchProbe : nn.Module<Tensor, Tensor>
    {
        private readonly nn.Module<Tensor, Tensor> layer;
        private readonly List<long> _sizes;

        public BatchProbe(ImageShape shape, int classes, List<long> sizes) : base(nameof(BatchProbe))
        {
            layer = nn.Sequential(nn.Flatten(), nn.Linear(shape.Size, classes));
            _sizes = sizes;
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            if (!training)
                _sizes.Add(x.shape[0]);
            return layer.forward(x);
        }
    }
}
