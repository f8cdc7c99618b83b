using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLExtensions.UnitTests;

/// <summary>
/// Images of 64×64 pixels and more get photo-sized defaults: the downsampling stem, SimpleConvNet's pooled classifier,
/// and, when the options leave them null, a ResNet trained with a cosine schedule. Smaller images keep SimpleConvNet
/// at a constant rate.
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
    public void WithArchitectureAndScheduleLeftNullPhotosGetAResNetWithCosineDecayAndSmallImagesSimpleConvNetAtAConstantRate()
    {
        var ml = new MLContext(seed: 1);
        var messages = new List<string>();
        ml.Log += (_, e) => messages.Add(e.Message);
        var photo = ml.MulticlassClassification.Trainers.ImageCnn(CnnTestData.Tiny(o =>
        {
            o.FeatureColumnName = "Rgb"; o.Widths = [4, 8]; o.Epochs = 3; o.LearningRate = 0.01;
        })).Fit(LargePhotos(ml));
        Assert.AreEqual(CnnArchitecture.ResNet, photo.Description.Architecture);
        CollectionAssert.AreEqual(new[] { 2, 2 }, photo.Description.Blocks.ToArray());
        var photoRates = photo.History.Epochs.Select(e => e.LearningRate).ToArray();
        Assert.IsTrue(photoRates[0] == 0.01 && photoRates[1] < photoRates[0] && photoRates[2] < photoRates[1] && photoRates[2] > 0,
            $"cosine decay expected, got rates [{string.Join(", ", photoRates)}]");
        Assert.IsTrue(messages.Any(m => m.Contains("ResNet (the default for this image size)")), "the log says the architecture was chosen by size");

        var data = CnnTestData.Load(trainRows: 64, testRows: 20);
        var small = CnnTestData.Fit(data, CnnTestData.Tiny(o => { o.Epochs = 3; o.LearningRate = 0.01; }));
        Assert.AreEqual(CnnArchitecture.SimpleConvNet, small.Description.Architecture);
        CollectionAssert.AreEqual(new[] { 0.01, 0.01, 0.01 }, small.History.Epochs.Select(e => e.LearningRate).ToArray());
    }
}
