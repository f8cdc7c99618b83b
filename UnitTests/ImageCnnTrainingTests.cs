using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace MLExtensions.UnitTests;

[TestClass]
public sealed class ImageCnnTrainingTests
{
    private static CnnTestData.Keyed? _data;
    private static CnnTestData.Keyed Data => _data ??= CnnTestData.Load(trainRows: 128, testRows: 50);

    [TestMethod]
    public void TwoEpochsOnTheEmbeddedSubsetBeatChanceClearly()
    {
        var data = CnnTestData.Load(trainRows: 2000, testRows: 1000);
        var model = data.Ml.MulticlassClassification.Trainers.ImageCnn(new ImageCnnTrainer.Options
        {
            Epochs = 2, BatchSize = 32, Seed = 1, Device = ComputeDevice.Cpu,
        }).Fit(data.Train);
        double accuracy = CnnTestData.Accuracy(data, model);
        Assert.IsTrue(accuracy >= 0.65, $"test accuracy {accuracy:F3} after 2 epochs (chance is 0.10)");
    }

    [TestMethod]
    public void SameSeedGivesBitIdenticalWeightsAndAnotherSeedDoesNot()
    {
        float[] Train(int seed) => CnnTestData.Weights(CnnTestData.Fit(Data, CnnTestData.Tiny(o => { o.Seed = seed; o.Dropout = 0.3; })).Network);
        var a = Train(3);
        CollectionAssert.AreEqual(a, Train(3), "same seed, different weights");
        CollectionAssert.AreNotEqual(a, Train(4));
    }

    [TestMethod]
    public void SeedDefaultsToTheMLContextSeed()
    {
        float[] Train() => CnnTestData.Weights(CnnTestData.Load(trainRows: 64, testRows: 10, seed: 11) is var d
            ? d.Ml.MulticlassClassification.Trainers.ImageCnn(CnnTestData.Tiny(o => o.Seed = null)).Fit(d.Train).Network : null!);
        CollectionAssert.AreEqual(Train(), Train());
    }

    [TestMethod]
    public void HistoryCallbackAndMLContextLogSeeEveryEpoch()
    {
        var seen = new List<EpochMetrics>();
        var log = new List<string>();
        Data.Ml.Log += (_, e) => { lock (log) log.Add(e.Message); };
        var progress = new List<TrainingProgress>();
        var model = CnnTestData.Fit(Data, CnnTestData.Tiny(o =>
        {
            o.Epochs = 3; o.ValidationFraction = 0.25; o.OnEpochEnd = seen.Add; o.OnProgress = progress.Add;
        }));
        Assert.AreEqual(3, model.History.Epochs.Count);
        CollectionAssert.AreEqual(model.History.Epochs.ToArray(), seen.ToArray());
        Assert.AreEqual(3 * 3, progress.Count, "96 training rows in batches of 32: 3 steps per epoch");
        foreach (var epoch in model.History.Epochs)
        {
            var last = progress.Last(p => p.Epoch == epoch.Epoch);
            Assert.AreEqual((3, 3), (last.Step, last.Steps));
            Assert.AreEqual(epoch.TrainLoss, last.Loss, 1e-12);
            Assert.AreEqual(epoch.TrainAccuracy, last.Accuracy, 1e-12);
        }
        Assert.AreEqual(TrainingStopReason.Completed, model.History.StopReason);
        Assert.AreEqual(3, model.History.BestEpoch);
        foreach (var epoch in model.History.Epochs)
        {
            Assert.IsNotNull(epoch.ValidationLoss);
            Assert.IsTrue(epoch.ValidationAccuracy is >= 0 and <= 1);
            Assert.IsTrue(epoch.Seconds > 0 && epoch.TrainLoss > 0);
        }
        lock (log)
            Assert.IsTrue(log.Any(m => m.Contains("ImageCnn epoch 3:")), "epoch metrics did not reach mlContext.Log");
    }

    [TestMethod]
    public void ValidationFractionIsAStratifiedSeededSplit()
    {
        var data = CnnTestData.Load(trainRows: 200, testRows: 10);
        var logged = new List<string>();
        data.Ml.Log += (_, e) => { lock (logged) logged.Add(e.Message); };
        CnnTestData.Fit(data, CnnTestData.Tiny(o => { o.Epochs = 1; o.ValidationFraction = 0.2; }));
        lock (logged)
            Assert.IsTrue(logged.Any(m => m.Contains("160 training images") && m.Contains("40 validation images")),
                "200 rows of 10 balanced classes split 20 % → 4 per class");
    }

    [TestMethod]
    public void ValidationSetIsUsedAndMustShareTheLabelKeys()
    {
        var model = CnnTestData.Fit(Data, CnnTestData.Tiny(o => { o.Epochs = 1; o.ValidationSet = Data.Test; }));
        var expected = Data.Ml.MulticlassClassification.Evaluate(model.Transform(Data.Test));
        Assert.AreEqual(expected.MicroAccuracy, model.History.Epochs[0].ValidationAccuracy!.Value, 1e-9);
        Assert.AreEqual(expected.LogLoss, model.History.Epochs[0].ValidationLoss!.Value, 1e-4);

        var raw = Data.Ml.Data.LoadFashionMnist(FashionMnistSource.EmbeddedSubset).Test;
        var otherKeys = Data.Ml.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: Microsoft.ML.Transforms.ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
            .Fit(raw).Transform(raw);
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => CnnTestData.Fit(Data, CnnTestData.Tiny(o => o.ValidationSet = otherKeys)));
        StringAssert.Contains(e.Message, "different classes");
    }

    [TestMethod]
    public void EarlyStoppingStopsAfterPatienceAndRestoresTheBestEpoch()
    {
        // No later epoch can beat the first by a min delta of 10: training stops after 1 + patience epochs.
        var stopped = CnnTestData.Fit(Data, CnnTestData.Tiny(o =>
        {
            o.Epochs = 10; o.ValidationFraction = 0.25; o.EarlyStopping = new EarlyStopping(patience: 2, minDelta: 10);
        }));
        Assert.AreEqual(TrainingStopReason.EarlyStopped, stopped.History.StopReason);
        Assert.AreEqual(3, stopped.History.Epochs.Count);
        Assert.AreEqual(1, stopped.History.BestEpoch);
        var oneEpoch = CnnTestData.Fit(Data, CnnTestData.Tiny(o => { o.Epochs = 1; o.ValidationFraction = 0.25; }));
        CollectionAssert.AreEqual(CnnTestData.Weights(oneEpoch.Network), CnnTestData.Weights(stopped.Network), "the best (first) epoch's weights were not restored");
    }

    [TestMethod]
    public void CancellationStopsBetweenBatchesAndKeepsTheModel()
    {
        var data = CnnTestData.Load(trainRows: 128, testRows: 20);
        var model = CnnTestData.Fit(data, CnnTestData.Tiny(o => { o.Epochs = 5; o.OnEpochEnd = e => { if (e.Epoch == 2) data.Ml.CancelExecution(); }; }));
        Assert.AreEqual(TrainingStopReason.Cancelled, model.History.StopReason);
        Assert.AreEqual(2, model.History.Epochs.Count);
        Assert.AreEqual(20, CnnTestData.Scores(model, data.Test).Length, "the cancelled model still predicts");
    }

    [TestMethod]
    public void DivergenceStopsWithAClearMessageAndTheLastGoodWeights()
    {
        void Huge(ImageCnnTrainer.Options o)
        {
            o.Optimizer = OptimizerKind.Sgd; o.LearningRate = 1e12; o.Normalization = NormalizationKind.None; o.Epochs = 3;
        }
        var e = Assert.ThrowsExactly<TrainingDivergedException>(() => CnnTestData.Fit(Data, CnnTestData.Tiny(Huge)));
        StringAssert.Contains(e.Message, "learning rate");
        Assert.AreEqual(TrainingStopReason.Diverged, e.LastGoodModel.History.StopReason);
        Assert.IsTrue(CnnTestData.Weights(e.LastGoodModel.Network).All(float.IsFinite), "the kept weights must be finite");
        Assert.IsTrue(CnnTestData.Scores(e.LastGoodModel, Data.Test).SelectMany(s => s).All(float.IsFinite));

        var kept = CnnTestData.Fit(Data, CnnTestData.Tiny(o => { Huge(o); o.ThrowOnDivergence = false; }));
        Assert.AreEqual(TrainingStopReason.Diverged, kept.History.StopReason);
    }

    [TestMethod]
    public void OutputColumnsCarryClassNamesAndWorkWithEvaluateAndMapKeyToValue()
    {
        var model = CnnTestData.Fit(Data, CnnTestData.Tiny());
        var scored = model.Transform(Data.Test);
        var score = scored.Schema["Score"];
        Assert.AreEqual(10, ((VectorDataViewType)score.Type).Size);
        var names = default(VBuffer<ReadOnlyMemory<char>>);
        score.GetSlotNames(ref names);
        var keyValues = default(VBuffer<ReadOnlyMemory<char>>);
        Data.Train.Schema["Label"].GetKeyValues(ref keyValues);
        var classes = keyValues.DenseValues().Select(n => n.ToString()).ToArray();
        CollectionAssert.AreEquivalent(FashionMnist.ClassNames.ToArray(), classes);
        CollectionAssert.AreEqual(classes, names.DenseValues().Select(n => n.ToString()).ToArray(), "slot names are the label's key values, in key order");
        Assert.AreEqual(Data.Train.Schema["Label"].Type, scored.Schema["PredictedLabel"].Type, "PredictedLabel has the label's key type");

        var metrics = Data.Ml.MulticlassClassification.Evaluate(scored);
        Assert.AreEqual(10, metrics.PerClassLogLoss.Count);
        var text = Data.Ml.Transforms.Conversion.MapKeyToValue("PredictedLabel").Fit(scored).Transform(scored);
        var predicted = text.GetColumn<string>("PredictedLabel").ToArray();
        Assert.IsTrue(predicted.All(p => FashionMnist.ClassNames.Contains(p)));
        var scores = CnnTestData.Scores(model, Data.Test);
        Assert.IsTrue(scores.All(s => Math.Abs(s.Sum() - 1) < 1e-5), "scores are probabilities");
        var argmax = scores.Select(s => classes[Array.IndexOf(s, s.Max())]).ToArray();
        CollectionAssert.AreEqual(argmax, predicted, "PredictedLabel is the arg max of Score");
    }

    [TestMethod]
    public void BatchedTransformMatchesRowByRowScoring()
    {
        var model = CnnTestData.Fit(Data, CnnTestData.Tiny());
        var batched = CnnTestData.Scores(model, Data.Test);
        var small = new ImageCnnTransformer(model.Description, model.Network, model.Device, model.Labels, "Features", "Score", "PredictedLabel", model.History, inferenceBatchSize: 7);
        var rowByRow = CnnTestData.Scores(small, Data.Test);
        Assert.AreEqual(50, batched.Length);
        for (int i = 0; i < batched.Length; i++)
            CollectionAssert.AreEqual(batched[i], rowByRow[i], new Tolerance(1e-6f), $"row {i}");
        // A cursor that moves past rows without reading them still gets each row's own score.
        var kept = TestData.ReadVectors(Data.Ml.Data.SkipRows(model.Transform(Data.Test), 13), "Score");
        Assert.AreEqual(37, kept.Length);
        for (int i = 0; i < kept.Length; i++)
            CollectionAssert.AreEqual(batched[13 + i], kept[i], new Tolerance(1e-6f), $"row {13 + i} after skipping");
    }

    [TestMethod]
    public void MissingLabelsAreLeftOutAndCounted()
    {
        var raw = Data.Ml.Data.LoadFashionMnist(FashionMnistSource.EmbeddedSubset).Train;
        var rows = Data.Ml.Data.CreateEnumerable<FashionMnistImage>(Data.Ml.Data.TakeRows(raw, 64), false).ToArray();
        rows[3].Label = "";
        rows[10].Label = "";
        var view = Data.Ml.Data.LoadFromEnumerable(rows);
        var keyed = Data.KeyMap.Transform(view);
        var model = Data.Ml.MulticlassClassification.Trainers.ImageCnn(CnnTestData.Tiny(o => o.Epochs = 1)).Fit(keyed);
        Assert.AreEqual(2, model.History.SkippedRows);
    }
}
