using Microsoft.ML;
using Microsoft.ML.Data;
using MLExtensions.Images;

namespace MLExtensions.UnitTests;

/// <summary>
/// An MLImage column of any size goes into ImageCnn as is and is resized there; the result must be what ML.NET's own
/// ResizeImages (its default: cover the target, crop around the centre; Mitchell cubic since ML.NET 6) gives, so a
/// pipeline with or without that step feeds the network the same pixels.
/// </summary>
[TestClass]
public sealed class MLImageResizingTests
{
    public TestContext TestContext { get; set; } = null!;

    private sealed class PhotoRow
    {
        public string Path { get; set; } = "";
    }

    [TestMethod]
    [DataRow(300, 200, 96, 64, DisplayName = "landscape, shrunk")]
    [DataRow(150, 260, 96, 96, DisplayName = "portrait, shrunk to a square")]
    [DataRow(40, 30, 96, 96, DisplayName = "small, enlarged")]
    public void ImagesAreResizedAsMLNetsResizeImagesDoes(int width, int height, int targetWidth, int targetHeight)
    {
        var ml = new MLContext(seed: 1);
        var path = Path.Combine(TestContext.TestRunDirectory ?? Path.GetTempPath(), $"resize-{Guid.NewGuid():N}.jpg");
        File.WriteAllBytes(path, ImageFolderData.Tinted("green", width, height, new Random(3), png: false));
        var rows = ml.Data.LoadFromEnumerable(new[] { new PhotoRow { Path = path } });
        var resized = ml.Transforms.LoadImages("Image", null, "Path")
            .Append(ml.Transforms.ResizeImages("Image", targetWidth, targetHeight))
            .Fit(rows).Transform(rows);
        var theirs = new byte[3 * targetWidth * targetHeight];
        using (var cursor = resized.GetRowCursor(resized.Schema))
        {
            var getter = cursor.GetGetter<MLImage>(resized.Schema["Image"]);
            Assert.IsTrue(cursor.MoveNext());
            MLImage image = null!;
            getter(ref image);
            BytePixels.ReadPlanes(image, theirs, "Image", 0);
        }
        var ours = new byte[theirs.Length];
        using (var original = MLImage.CreateFromFile(path))
            ImageResizing.CoverAndCrop(original, targetWidth, targetHeight, ours);

        // Bit for bit: the same Mitchell cubic filter on the same whole-pixel geometry. (Noise images show any shift: a
        // fifth of a pixel off gave differences of up to 20 grey levels.)
        var differences = theirs.Zip(ours, (a, b) => Math.Abs(a - b)).ToArray();
        Assert.AreEqual(0, differences.Max(), $"mean difference {differences.Average():F3} grey levels from ML.NET's ResizeImages");
    }
}
