using Microsoft.ML;
using Microsoft.ML.Data;
using MLExtensions.Images;
using SkiaSharp;

namespace MLExtensions.UnitTests;

/// <summary>Training from a folder of image files: the loader, encoded bytes in the trainer and at scoring, and broken files.</summary>
[TestClass]
public sealed class ImageFolderTests
{
    private const int Size = 24;

    private static (MLContext Ml, List<string> Log) Context()
    {
        var ml = new MLContext(seed: 1);
        var log = new List<string>();
        ml.Log += (_, e) => { lock (log) log.Add(e.Message); };
        return (ml, log);
    }

    [TestMethod]
    public void TheFolderLoaderListsClassesFromSubFoldersSortedAndCountsWhatItIgnores()
    {
        using var folder = new ImageFolderData(perClass: 5, seed: 1);
        File.WriteAllBytes(Path.Combine(folder.Root, "loose.jpg"), ImageFolderData.GreyJpeg(9, 8, 8));
        var (ml, log) = Context();
        var rows = ml.Data.CreateEnumerable<ImageFolder.Row>(ml.Data.LoadImagesFromFolder(folder.Root), reuseRowObject: false).ToArray();

        Assert.AreEqual(15, rows.Length);
        CollectionAssert.AreEqual(ImageFolderData.Classes, rows.Select(r => r.Label).Distinct().ToArray(), "classes in ordinal order");
        CollectionAssert.AreEqual(rows.OrderBy(r => r.ImagePath, StringComparer.Ordinal).ToArray(), rows, "rows sorted by path");
        Assert.IsTrue(rows.All(r => Path.IsPathFullyQualified(r.ImagePath) && File.Exists(r.ImagePath)));
        Assert.IsTrue(rows.All(r => Path.GetFileName(Path.GetDirectoryName(r.ImagePath)) == r.Label));
        Assert.IsTrue(log.Any(m => m.Contains("ignored 3 files") && m.Contains("notes.txt")), string.Join(" | ", log));
        Assert.IsTrue(log.Any(m => m.Contains("left out 1 images directly in") && m.Contains("loose.jpg")), string.Join(" | ", log));
    }

    [TestMethod]
    public void LinkedFoldersAreListedOnceAndEmptyClassesAreNamed()
    {
        using var folder = new ImageFolderData(perClass: 4, seed: 6);
        Directory.CreateSymbolicLink(Path.Combine(folder.Root, "red", "loop"), Path.Combine(folder.Root, "red"));
        Directory.CreateSymbolicLink(Path.Combine(folder.Root, "green", "blue-again"), Path.Combine(folder.Root, "Blue"));
        Directory.CreateDirectory(Path.Combine(folder.Root, "empty"));
        File.WriteAllText(Path.Combine(folder.Root, "empty", "readme.txt"), "no images here");
        var (ml, log) = Context();

        var rows = ml.Data.CreateEnumerable<ImageFolder.Row>(ml.Data.LoadImagesFromFolder(folder.Root), reuseRowObject: false).ToArray();
        Assert.AreEqual(12, rows.Length, "each image once, whatever the links");
        CollectionAssert.AreEqual(new[] { 4, 4, 4 }, rows.GroupBy(r => r.Label).Select(g => g.Count()).ToArray());
        var links = log.Single(m => m.Contains("did not follow 2 symbolic links"));
        StringAssert.Contains(links, Path.Combine(folder.Root, "red", "loop"));
        StringAssert.Contains(links, Path.Combine(folder.Root, "green", "blue-again"));
        Assert.IsTrue(log.Any(m => m.Contains("1 class folders hold no images") && m.Contains("empty")), string.Join(" | ", log));
    }

    [TestMethod]
    public void AnUnreadableImageAtPredictionNamesItsFile()
    {
        using var folder = new ImageFolderData(perClass: 8, seed: 7);
        var (ml, _) = Context();
        var model = Pipeline(ml, o => o.Epochs = 1).Fit(ml.Data.LoadImagesFromFolder(folder.Root));
        var broken = Path.Combine(folder.Root, "broken.jpg");
        File.WriteAllBytes(broken, [1, 2, 3, 4, 5, 6, 7, 8]);

        using var engine = ml.Model.CreatePredictionEngine<ImageFolder.Row, PredictedClass>(model);
        Assert.AreNotEqual(0u, engine.Predict(new ImageFolder.Row { ImagePath = Directory.GetFiles(Path.Combine(folder.Root, "red"), "*.jpg")[0] }).PredictedLabel);
        var error = Assert.ThrowsExactly<UnreadableImageException>(() => engine.Predict(new ImageFolder.Row { ImagePath = broken }));
        Assert.AreEqual(broken, error.File);
        StringAssert.Contains(error.Message, broken);
    }

    private sealed class PredictedClass
    {
        public uint PredictedLabel { get; set; }
    }

    [TestMethod]
    public void TheListLoaderReadsCsvWithAHeaderAndTsvWithout()
    {
        using var folder = new ImageFolderData(perClass: 2, seed: 2);
        var (ml, _) = Context();
        var csv = Path.Combine(folder.Root, "list.csv");
        File.WriteAllLines(csv, ["path,label", "red/photo000.jpg,warm", "Blue/photo001.jpg,cold", "", "red/notes.txt,warm"]);
        var tsv = Path.Combine(folder.Root, "list.tsv");
        File.WriteAllLines(tsv, [$"{Path.Combine(folder.Root, "green", "photo000.jpg")}\tleafy"]);

        var fromCsv = ml.Data.CreateEnumerable<ImageFolder.Row>(ml.Data.LoadImagesFromList(csv), false).ToArray();
        CollectionAssert.AreEqual(new[] { "warm", "cold" }, fromCsv.Select(r => r.Label).ToArray());
        Assert.AreEqual(Path.Combine(folder.Root, "red", "photo000.jpg"), fromCsv[0].ImagePath);
        var fromTsv = ml.Data.CreateEnumerable<ImageFolder.Row>(ml.Data.LoadImagesFromList(tsv), false).Single();
        Assert.AreEqual("leafy", fromTsv.Label);

        File.WriteAllLines(csv, ["red/missing.jpg,warm"]);
        var missing = Assert.ThrowsExactly<FileNotFoundException>(() => ml.Data.LoadImagesFromList(csv));
        StringAssert.Contains(missing.Message, "missing.jpg");
        Assert.ThrowsExactly<DirectoryNotFoundException>(() => ml.Data.LoadImagesFromFolder(Path.Combine(folder.Root, "nowhere")));
    }

    private static IEstimator<ITransformer> Pipeline(MLContext ml, Action<ImageCnnTrainer.Options>? configure = null)
        => ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.LoadRawImageBytes("Image", imageFolder: null, inputColumnName: "ImagePath"))
            .Append(ml.MulticlassClassification.Trainers.ImageCnn(CnnTestData.Tiny(o =>
            {
                o.FeatureColumnName = "Image";
                (o.ImageHeight, o.ImageWidth) = (Size, Size);
                o.Epochs = 6;
                o.BatchSize = 16;
                o.LearningRate = 5e-3;
                configure?.Invoke(o);
            })));

    [TestMethod]
    public void EncodedPhotosOfMixedSizesTrainAndScoreFromTheirFiles()
    {
        using var folder = new ImageFolderData(perClass: 24, seed: 3);
        using var test = new ImageFolderData(perClass: 8, seed: 4);
        var (ml, log) = Context();
        var model = Pipeline(ml).Fit(ml.Data.LoadImagesFromFolder(folder.Root));
        Assert.IsTrue(log.Any(m => m.Contains("kept in memory as 8-bit RGB")), string.Join(" | ", log.Where(m => m.Contains("kept"))));

        var scored = model.Transform(ml.Data.LoadImagesFromFolder(test.Root));
        var accuracy = ml.MulticlassClassification.Evaluate(scored).MicroAccuracy;
        Assert.IsTrue(accuracy > 0.8, $"test accuracy {accuracy} on 3 tinted classes (chance 0.33)");
    }

    [TestMethod]
    public void ABrokenImageStopsTrainingNamingItsFileUnlessSkippingIsAskedFor()
    {
        using var folder = new ImageFolderData(perClass: 8, seed: 5, broken: true);
        var (ml, log) = Context();
        var data = ml.Data.LoadImagesFromFolder(folder.Root);
        var error = Assert.ThrowsExactly<UnreadableImageException>(() => Pipeline(ml, o => o.Epochs = 1).Fit(data));
        StringAssert.Contains(error.Message, "zz-truncated.jpg");
        StringAssert.Contains(error.Message, "SkipUnreadableImages");

        var model = Pipeline(ml, o => { o.Epochs = 1; o.SkipUnreadableImages = true; }).Fit(data);
        Assert.IsTrue(log.Any(m => m.Contains("left out 2 training images that could not be decoded") && m.Contains("zz-corrupt.jpg") && m.Contains("zz-truncated.jpg")),
            string.Join(" | ", log.Where(m => m.Contains("decoded"))));
        Assert.IsNotNull(model);
    }

    [TestMethod]
    public void GreyAndTransparentImagesDecodeToTheirRgbValues()
    {
        var planes = new byte[3 * 4 * 4];
        Assert.IsTrue(EncodedImage.TryDecode(ImageFolderData.GreyJpeg(100, 10, 6), 4, 4, planes));
        Assert.IsTrue(planes.All(v => Math.Abs(v - 100) <= 2), $"grey JPEG decoded to {string.Join(",", planes)}");

        using var bitmap = new SKBitmap(new SKImageInfo(7, 5, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        bitmap.Erase(new SKColor(200, 10, 30, 128));
        using var png = SKImage.FromBitmap(bitmap).Encode(SKEncodedImageFormat.Png, 100);
        Assert.IsTrue(EncodedImage.TryDecode(png.ToArray(), 4, 4, planes));
        CollectionAssert.AreEqual(new byte[] { 200, 10, 30 }, new[] { planes[0], planes[16], planes[32] }, "RGB of a half-transparent PNG");

        Assert.IsFalse(EncodedImage.TryDecode("not an image"u8, 4, 4, planes));
        Assert.IsFalse(EncodedImage.TryDecode([], 4, 4, planes));
    }

    /// <summary>
    /// Fixtures/cmyk-8x4.jpg was written by Pillow (Adobe CMYK JPEG, quality 100): the left half C=200 only, the right
    /// half M=160, Y=220, K=60. The expected RGB values are Pillow's own conversion of that file.
    /// </summary>
    [TestMethod]
    public void CmykJpegsDecodeToThePillowReferenceRgb()
    {
        var jpeg = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", "cmyk-8x4.jpg"));
        var planes = new byte[3 * 4 * 8];
        Assert.IsTrue(EncodedImage.TryDecode(jpeg, 8, 4, planes));
        AssertRgbNear([55, 255, 255], planes, x: 1, y: 1);
        AssertRgbNear([195, 73, 27], planes, x: 6, y: 2);
    }

    private static void AssertRgbNear(byte[] expected, byte[] planes, int x, int y)
    {
        const int width = 8, plane = 8 * 4;
        var actual = Enumerable.Range(0, 3).Select(c => planes[c * plane + y * width + x]).ToArray();
        Assert.IsTrue(expected.Zip(actual).All(p => Math.Abs(p.First - p.Second) <= 3),
            $"pixel ({x}, {y}): expected RGB {string.Join(",", expected)}, decoded {string.Join(",", actual)}");
    }
}
