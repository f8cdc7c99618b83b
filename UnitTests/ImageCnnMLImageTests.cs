using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;

namespace MLExtensions.UnitTests;

[TestClass]
public sealed class ImageCnnMLImageTests
{
    private const int Size = 12;

    private sealed class ColourImage
    {
        public string Label { get; set; } = "";

        [ImageType(Size, Size)]
        public MLImage? Image { get; set; }
    }

    private sealed class Prediction
    {
        public string PredictedLabel { get; set; } = "";
    }

    // Reddish or bluish noise images; ML.NET disposes images it has read, so every pass makes new ones.
    private static IEnumerable<ColourImage> Images(int count, int seed)
    {
        var random = new Random(seed);
        var pixels = Enumerable.Range(0, count)
            .Select(i => (Label: i % 2 == 0 ? "red" : "blue", Rgba: TintedNoise.Rgba(random, Size, Size, channel: i % 2 == 0 ? 0 : 2, tint: 0xC0)))
            .ToArray();
        foreach (var (label, rgba) in pixels)
            yield return new ColourImage { Label = label, Image = MLImage.CreateFromPixels(Size, Size, MLPixelFormat.Rgba32, rgba) };
    }

    private static IDataView View(MLContext ml, int count, int seed)
        => ml.Data.LoadFromEnumerable(new Reiterable<ColourImage>(() => Images(count, seed)));


    [TestMethod]
    public void MLImageColumnTrainsLikeItsExtractPixelsVector()
    {
        var ml = new MLContext(seed: 1);
        var train = View(ml, 64, seed: 2);
        var keyMap = ml.Transforms.Conversion.MapValueToKey("Label").Fit(train);
        var keyed = keyMap.Transform(train);
        var options = CnnTestData.Tiny(o => { o.FeatureColumnName = "Image"; o.Epochs = 8; o.LearningRate = 5e-3; o.StandardizeImageInputs = false; });
        var fromImages = ml.MulticlassClassification.Trainers.ImageCnn(options).Fit(keyed);
        Assert.AreEqual(new ImageShape(3, Size, Size), fromImages.Description.InputShape, "images are read as RGB planes");

        var pixels = ml.Transforms.ExtractPixels("Pixels", "Image", scaleImage: 1f / 255).Fit(keyed).Transform(keyed);
        var fromVectors = ml.MulticlassClassification.Trainers.ImageCnn(CnnTestData.Tiny(o => { o.FeatureColumnName = "Pixels"; o.Epochs = 8; o.LearningRate = 5e-3; })).Fit(pixels);
        CollectionAssert.AreEqual(CnnTestData.Weights(fromVectors.Network), CnnTestData.Weights(fromImages.Network),
            "an MLImage column must give exactly the planar RGB floats of ExtractPixels(scaleImage: 1/255)");

        var test = keyMap.Transform(View(ml, 40, seed: 3));
        var accuracy = ml.MulticlassClassification.Evaluate(fromImages.Transform(test)).MicroAccuracy;
        Assert.IsTrue(accuracy > 0.9, $"accuracy {accuracy:F2} on colour-separable images");

        var toText = ml.Transforms.Conversion.MapKeyToValue("PredictedLabel").Fit(fromImages.Transform(test));
        var engine = ml.Model.CreatePredictionEngine<ColourImage, Prediction>(new TransformerChain<ITransformer>(keyMap, fromImages, toText));
        var first = Images(1, seed: 9).Single();
        Assert.AreEqual("red", engine.Predict(first).PredictedLabel);
    }

    [TestMethod]
    public void WrongImageSizeIsReportedWithTheColumn()
    {
        var ml = new MLContext(seed: 1);
        var keyed = ml.Transforms.Conversion.MapValueToKey("Label").Fit(View(ml, 8, 1)).Transform(View(ml, 8, 1));
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.MulticlassClassification.Trainers
            .ImageCnn(CnnTestData.Tiny(o => { o.FeatureColumnName = "Image"; o.ImageHeight = 20; o.ImageWidth = 20; o.Channels = 3; })).Fit(keyed));
        TestAssert.MessageContains(e, "'Image'", "12×12", "[3, 20, 20]");
    }

    [TestMethod]
    public void ImagesAreReadInColourWhenOnlyTheirSizeIsSet()
    {
        var ml = new MLContext(seed: 1);
        var keyed = ml.Transforms.Conversion.MapValueToKey("Label").Fit(View(ml, 8, 1)).Transform(View(ml, 8, 1));
        var sized = ml.MulticlassClassification.Trainers.ImageCnn(CnnTestData.Tiny(o =>
        {
            o.FeatureColumnName = "Image"; o.ImageHeight = Size; o.ImageWidth = Size; o.Epochs = 1;
        })).Fit(keyed);
        Assert.AreEqual(new ImageShape(3, Size, Size), sized.Description.InputShape, "Channels left null means RGB for images, as without a size");
        var grey = ml.MulticlassClassification.Trainers.ImageCnn(CnnTestData.Tiny(o =>
        {
            o.FeatureColumnName = "Image"; o.ImageHeight = Size; o.ImageWidth = Size; o.Channels = 1; o.Epochs = 1;
        })).Fit(keyed);
        Assert.AreEqual(new ImageShape(1, Size, Size), grey.Description.InputShape);
    }
}
