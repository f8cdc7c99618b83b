using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLExtensions.UnitTests;

/// <summary>
/// Images of 64×64 pixels and more get photo-sized defaults: the downsampling stem, SimpleConvNet's pooled classifier,
/// and, for what the options leave null, a ResNet trained in batches of 32 with a cosine schedule from 2e-3. Smaller
/// images keep SimpleConvNet, batches of 64 and a constant 1e-3.
/// </summary>
[TestClass]
public sealed class ImageSizeDefaultsTests
{
    private sealed class LargePhoto
    {
        public string Label { get; set; } = "";

        [VectorType(3, 64, 64)]
        public float[] Rgb { get; set; } = [];
    }

    private sealed class Scores
    {
        public float[] Score { get; set; } = [];
    }

    private static IDataView LargePhotos(MLContext ml)
    {
        var random = new Random(3);
        var rows = Enumerable.Range(0, 24).Select(i => new LargePhoto
        {
            Label = i % 2 == 0 ? "bright" : "dark",
            Rgb = Enumerable.Range(0, 3 * 64 * 64).Select(_ => (float)random.NextDouble() * (i % 2 == 0 ? 1 : 0.5f)).ToArray(),
        }).ToArray();
        var raw = ml.Data.LoadFromEnumerable(rows);
        return ml.Transforms.Conversion.MapValueToKey("Label").Fit(raw).Transform(raw);
    }

    [TestMethod]
    public void ImagesOf64PixelsOrMoreGetADownsamplingStemAndSimpleConvNetAPooledClassifier()
    {
        var ml = new MLContext(seed: 1);
        var data = LargePhotos(ml);
        var resnet = ml.MulticlassClassification.Trainers.ImageCnn(CnnTestData.Tiny(o =>
        {
            o.FeatureColumnName = "Rgb"; o.Architecture = CnnArchitecture.ResNet; o.Widths = [4, 8]; o.Blocks = [1, 1]; o.Epochs = 1;
        })).Fit(data);
        Assert.IsTrue(resnet.Description.DownsamplingStem);
        CollectionAssert.AreEqual(new long[] { 4, 3, 7, 7 }, resnet.Network.state_dict()["stem.conv.weight"].shape);

        var simple = ml.MulticlassClassification.Trainers.ImageCnn(CnnTestData.Tiny(o =>
        {
            o.FeatureColumnName = "Rgb"; o.Architecture = CnnArchitecture.SimpleConvNet; o.Epochs = 1;
        })).Fit(data);
        Assert.IsTrue(simple.Description.DownsamplingStem);
        Assert.AreEqual(4, simple.Description.PooledSize);
        CollectionAssert.AreEqual(new long[] { 4, 3, 7, 7 }, simple.Network.state_dict()["stem.conv.weight"].shape);
        CollectionAssert.AreEqual(new long[] { 4, 4, 3, 3 }, simple.Network.state_dict()["features.conv1.weight"].shape);
        CollectionAssert.AreEqual(new long[] { 16, 8 * 4 * 4 }, simple.Network.state_dict()["classifier.hidden.weight"].shape);
        Assert.AreEqual(2, ml.Data.CreateEnumerable<Scores>(simple.Transform(data), false).First().Score.Length);
    }

    [TestMethod]
    public void LeftNullPhotosGetAResNetWithBatchesOf32AndACosineDecayFrom2EMinus3AndSmallImagesKeepTheirDefaults()
    {
        var ml = new MLContext(seed: 1);
        var messages = new List<string>();
        ml.Log += (_, e) => messages.Add(e.Message);
        var photo = ml.MulticlassClassification.Trainers.ImageCnn(CnnTestData.Tiny(o =>
        {
            o.FeatureColumnName = "Rgb"; o.Widths = [4, 8]; o.Epochs = 3; o.BatchSize = null;
        })).Fit(LargePhotos(ml));
        Assert.AreEqual(CnnArchitecture.ResNet, photo.Description.Architecture);
        CollectionAssert.AreEqual(new[] { 2, 2 }, photo.Description.Blocks.ToArray());
        var photoRates = photo.History.Epochs.Select(e => e.LearningRate).ToArray();
        Assert.IsTrue(photoRates[0] == 2e-3 && photoRates[1] < photoRates[0] && photoRates[2] < photoRates[1] && photoRates[2] > 0,
            $"cosine decay from 2e-3 expected, got rates [{string.Join(", ", photoRates)}]");
        Assert.IsTrue(messages.Any(m => m.Contains("ResNet (the default for this image size)")), "the log says the architecture was chosen by size");
        Assert.IsTrue(messages.Any(m => m.Contains("BatchSize 32 is larger than the 24 training images")), "photos get batches of 32");

        var data = CnnTestData.Load(trainRows: 64, testRows: 20);
        var small = CnnTestData.Fit(data, CnnTestData.Tiny(o => { o.Epochs = 3; o.BatchSize = null; }));
        Assert.AreEqual(CnnArchitecture.SimpleConvNet, small.Description.Architecture);
        CollectionAssert.AreEqual(new[] { 1e-3, 1e-3, 1e-3 }, small.History.Epochs.Select(e => e.LearningRate).ToArray());
    }

    [TestMethod]
    public void OptionsSetByTheUserAreKeptOnPhotos()
    {
        var ml = new MLContext(seed: 1);
        var model = ml.MulticlassClassification.Trainers.ImageCnn(CnnTestData.Tiny(o =>
        {
            o.FeatureColumnName = "Rgb"; o.Architecture = CnnArchitecture.SimpleConvNet; o.Epochs = 2; o.LearningRate = 0.01;
            o.Schedule = LearningRateSchedule.Constant();
        })).Fit(LargePhotos(ml));
        Assert.AreEqual(CnnArchitecture.SimpleConvNet, model.Description.Architecture);
        CollectionAssert.AreEqual(new[] { 0.01, 0.01 }, model.History.Epochs.Select(e => e.LearningRate).ToArray());
    }
}
