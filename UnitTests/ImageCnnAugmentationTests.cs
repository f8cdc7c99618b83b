using Microsoft.ML;
using SkiaSharp;

namespace MLExtensions.UnitTests;

[TestClass]
public sealed class ImageCnnAugmentationTests
{
    public TestContext TestContext { get; set; } = null!;

    private static CnnTestData.Keyed? _data;
    private static CnnTestData.Keyed Data => _data ??= CnnTestData.Load(trainRows: 128, testRows: 50);

    private static ImageCnnTransformer Train(ImageAugmentation? augmentation, int epochs = 2)
        => CnnTestData.Fit(Data, CnnTestData.Tiny(o => { o.Augmentation = augmentation; o.Epochs = epochs; }));

    [TestMethod]
    public void TheTrainerAugmentsReproduciblyUnderItsSeed()
    {
        ImageAugmentation Policy(int seed) => new ImageAugmentation(seed).HorizontalFlip().RandomCrop(2).RandomErasing(0.5);
        var plain = CnnTestData.Weights(Train(null).Network);
        var a = CnnTestData.Weights(Train(Policy(1)).Network);
        CollectionAssert.AreNotEqual(plain, a, "the augmentation was not applied");
        CollectionAssert.AreEqual(a, CnnTestData.Weights(Train(Policy(1)).Network), "same augmentation seed, different weights");
        CollectionAssert.AreNotEqual(a, CnnTestData.Weights(Train(Policy(2)).Network), "the augmentation seed is ignored");
    }

    [TestMethod]
    public void PredictionIsNeverAugmented()
    {
        // Training sees only fully erased images; scoring real images must still be deterministic and unerased.
        var model = Train(new ImageAugmentation(3).RandomErasing(probability: 1, minArea: 1, maxArea: 1, minRatio: 1, maxRatio: 1), epochs: 1);
        var first = CnnTestData.Scores(model, Data.Test);
        CollectionAssert.AreEqual(first[0], CnnTestData.Scores(model, Data.Test)[0]);
        Assert.IsTrue(first.Select(s => s[0]).Distinct().Count() > 1, "scores do not depend on the (unaugmented) input");
    }

    [TestMethod]
    public void MixupAndCutMixTrainWithBlendedLabels()
    {
        foreach (var policy in new[] { new ImageAugmentation(1).Mixup(0.4), new ImageAugmentation(1).CutMix() })
        {
            var model = CnnTestData.Fit(Data, CnnTestData.Tiny(o => { o.Augmentation = policy; o.Epochs = 4; o.LearningRate = 3e-3; o.LabelSmoothing = 0.1; }));
            var epochs = model.History.Epochs;
            Assert.IsTrue(epochs.All(e => double.IsFinite(e.TrainLoss)));
            Assert.IsTrue(epochs[^1].TrainLoss < epochs[0].TrainLoss, $"loss {epochs[0].TrainLoss:F3} -> {epochs[^1].TrainLoss:F3}");
        }
    }

    [TestMethod]
    public void PcaLightingIsFittedOnTheTrainingImages()
    {
        var policy = new ImageAugmentation(1).PcaLighting(0.1);
        Train(policy, epochs: 1);
        var fitted = ((Augmentation.PcaLightingOp)policy.Operations[0]).Eigenvalues;
        Assert.IsNotNull(fitted);
        Assert.AreEqual(1, fitted.Count, "one channel, one eigenvalue");
        Assert.IsTrue(fitted[0] > 0);
    }

    [TestMethod]
    public void RgbOnlyJitterIsRejectedForGreyImages()
    {
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Train(new ImageAugmentation().ColorJitter(hue: 0.1)));
        StringAssert.Contains(e.Message, "3 (RGB) channels");
    }

    [TestMethod]
    public void PreviewWritesAGridOfSourcesAndVariants()
    {
        var path = Path.Combine(TestContext.TestRunDirectory ?? Path.GetTempPath(), $"{Guid.NewGuid():N}.png");
        var raw = Data.Ml.Data.LoadFashionMnist(FashionMnistSource.EmbeddedSubset).Test;
        new ImageAugmentation(5).HorizontalFlip().RandomCrop(4).RandomErasing(0.5).Preview(raw, "Features", path, rows: 3, variants: 5);
        using var bitmap = SKBitmap.Decode(path);
        Assert.IsNotNull(bitmap, "not a PNG");
        Assert.AreEqual(6 * (28 * 4 + 2), bitmap.Width);
        Assert.AreEqual(3 * (28 * 4 + 2), bitmap.Height);
        var source = Data.Ml.Data.CreateEnumerable<FashionMnistImage>(raw, false).First().Features;
        float min = source.Min(), max = source.Max();
        for (int p = 0; p < 784; p += 97)
        {
            byte expected = (byte)Math.Clamp((source[p] - min) / (max - min) * 255, 0, 255);
            Assert.AreEqual(expected, bitmap.GetPixel(p % 28 * 4, p / 28 * 4).Red, $"pixel {p} of the first source image");
        }
        var tiles = Enumerable.Range(0, 6).Select(t => Enumerable.Range(0, 28 * 28).Select(p => bitmap.GetPixel(t * 114 + p % 28 * 4, p / 28 * 4).Red).ToArray()).ToArray();
        Assert.IsTrue(tiles.Skip(1).Any(t => !t.SequenceEqual(tiles[0])), "no variant differs from its source");
    }
}
