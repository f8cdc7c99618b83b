using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLExtensions.UnitTests;

[TestClass]
public sealed class AugmentImagesTests
{
    public TestContext TestContext { get; set; } = null!;

    /// <summary>An estimator that records what it is trained on: the column's values on each of two passes.</summary>
    private sealed class RecordingEstimator(MLContext ml, string column) : IEstimator<ITransformer>
    {
        public List<float[][]> Passes { get; } = [];

        public ITransformer Fit(IDataView input)
        {
            Passes.Add(TestData.ReadVectors(input, column));
            Passes.Add(TestData.ReadVectors(input, column));
            return ml.Transforms.CopyColumns("Seen", column).Fit(input);
        }

        public SchemaShape GetOutputSchema(SchemaShape inputSchema) => ml.Transforms.CopyColumns("Seen", column).GetOutputSchema(inputSchema);
    }

    [TestMethod]
    public void LaterEstimatorsSeeNewAugmentationsOnEveryPassButTransformSeesTheOriginal()
    {
        var ml = new MLContext(seed: 1);
        var images = TestData.RandomImages(20, 2 * 6 * 6, seed: 4, scale: 1f).Select(i => i.Select(v => v + 0.5f).ToArray()).ToArray();
        var data = TestData.Images(ml, images, 2, 6, 6);
        var recorder = new RecordingEstimator(ml, "Pixels");
        var model = ml.Transforms.AugmentImages("Pixels", new ImageAugmentation(seed: 3).RandomCrop(padding: 2).HorizontalFlip()).Append(recorder).Fit(data);

        var raw = TestData.ReadVectors(data, "Pixels");
        Assert.IsFalse(recorder.Passes[0].Zip(raw).All(p => p.First.SequenceEqual(p.Second)), "the trainer saw unaugmented data");
        Assert.IsFalse(recorder.Passes[0].Zip(recorder.Passes[1]).All(p => p.First.SequenceEqual(p.Second)), "two passes saw the same augmentation");

        var transformed = TestData.ReadVectors(model.Transform(data), "Pixels");
        for (int i = 0; i < raw.Length; i++)
            CollectionAssert.AreEqual(raw[i], transformed[i], $"Transform changed row {i}");
    }

    [TestMethod]
    public void RowPathFlipRateMatchesTheBatchedPath()
    {
        var ml = new MLContext(seed: 1);
        var images = TestData.RandomImages(10000, 4, seed: 8);
        var recorder = new RecordingEstimator(ml, "Pixels");
        ml.Transforms.AugmentImages("Pixels", new ImageAugmentation(seed: 2).HorizontalFlip(0.3)).Append(recorder).Fit(TestData.Images(ml, images, 1, 2, 2));
        double rate = recorder.Passes[0].Zip(images).Count(p => !p.First.SequenceEqual(p.Second)) / 10000.0;
        Assert.AreEqual(0.3, rate, 0.015, "the same tolerance the batched path meets (ImageAugmentationTests.FlipRateMatchesItsProbability)");
    }

    [TestMethod]
    public void ImageCnnPipelineWithAugmentationPredictsLikeThePipelineWithoutIt()
    {
        var data = CnnTestData.Load(trainRows: 128, testRows: 40);
        var ml = data.Ml;
        var log = new List<string>();
        ml.Log += (_, e) => { lock (log) log.Add(e.Message); };
        var fitted = ml.Transforms.AugmentImages("Features", new ImageAugmentation(seed: 5).HorizontalFlip().RandomCrop(2))
            .Append(ml.MulticlassClassification.Trainers.ImageCnn(CnnTestData.Tiny(o => o.Epochs = 2)))
            .Fit(data.Train);
        lock (log)
            Assert.IsTrue(log.Any(m => m.Contains("reading the training data again for every epoch")));

        var augmentStep = ((IEnumerable<ITransformer>)fitted).First();
        var cnn = ((IEnumerable<ITransformer>)fitted).OfType<ImageCnnTransformer>().Single();
        Assert.IsInstanceOfType<AugmentImagesTransformer>(augmentStep);
        var withStep = CnnTestData.Scores(fitted, data.Test);
        var without = CnnTestData.Scores(cnn, data.Test);
        for (int i = 0; i < withStep.Length; i++)
            CollectionAssert.AreEqual(without[i], withStep[i], $"row {i}: the augmentation step changed a prediction");

        var path = Path.Combine(TestContext.TestRunDirectory ?? Path.GetTempPath(), $"{Guid.NewGuid():N}.zip");
        ml.Model.Save(fitted, data.Train.Schema, path);
        var reloaded = new MLContext().Model.Load(path, out _);
        var again = CnnTestData.Scores(reloaded, data.Test);
        for (int i = 0; i < withStep.Length; i++)
            CollectionAssert.AreEqual(withStep[i], again[i], $"row {i} after reload");
        Assert.IsNull(((IEnumerable<ITransformer>)reloaded).OfType<AugmentImagesTransformer>().Single().Policy, "policies are not saved");
    }

    [TestMethod]
    public void ScoresOverAnAugmentedViewBelongToTheRowsTheyAreShownWith()
    {
        // The training view draws new randomness for every cursor, so batched scoring must not read ahead with a second one.
        var data = CnnTestData.Load(trainRows: 64, testRows: 40);
        var ml = data.Ml;
        var augment = ml.Transforms.AugmentImages("Features", new ImageAugmentation(seed: 5).HorizontalFlip().RandomCrop(3)).Fit(data.Test);
        var cnn = CnnTestData.Fit(data, CnnTestData.Tiny(o => o.Epochs = 1));
        var scored = cnn.Transform(augment.TransformForTraining(data.Test));
        var features = new List<float[]>();
        var scores = new List<float[]>();
        using (var cursor = scored.GetRowCursor([scored.Schema["Features"], scored.Schema["Score"]]))
        {
            var getFeatures = cursor.GetGetter<VBuffer<float>>(scored.Schema["Features"]);
            var getScore = cursor.GetGetter<VBuffer<float>>(scored.Schema["Score"]);
            var buffer = default(VBuffer<float>);
            while (cursor.MoveNext())
            {
                getFeatures(ref buffer);
                features.Add(buffer.DenseValues().ToArray());
                getScore(ref buffer);
                scores.Add(buffer.DenseValues().ToArray());
            }
        }
        var shown = TestData.Images(ml, features.ToArray(), 1, 28, 28);
        var expected = CnnTestData.Scores(cnn, ml.Transforms.CopyColumns("Features", "Pixels").Fit(shown).Transform(shown));
        for (int i = 0; i < scores.Count; i++)
            CollectionAssert.AreEqual(expected[i], scores[i], new Tolerance(1e-6f), $"row {i}: the score is of another augmentation");
    }

    [TestMethod]
    public void BatchOnlyOperationsAndBadColumnsAreRejected()
    {
        var ml = new MLContext();
        TestAssert.MessageContains(Assert.ThrowsExactly<ArgumentException>(() => ml.Transforms.AugmentImages("Pixels", new ImageAugmentation().Mixup())),
            "MixOp", "ImageCnnTrainer.Options.Augmentation");
        var data = ml.Data.LoadFromEnumerable(new[] { new IntPixelRow { Pixels = [1, 2, 3, 4] } });
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.AugmentImages("Pixels", new ImageAugmentation().HorizontalFlip()).Fit(data));
    }
}
