using Microsoft.ML;
using SkiaSharp;

namespace MLExtensions.UnitTests;

/// <summary>Looking at the data: class counts, extremes, blank images, duplicates between sets, and the grids.</summary>
[TestClass]
public sealed class DataInspectionTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void FindsCopiedTestImagesTheBlankImageAndCountsTheClasses()
    {
        var ml = new MLContext(1);
        var subset = ml.Data.LoadFashionMnist(FashionMnistSource.EmbeddedSubset);
        var train = ml.Data.CreateEnumerable<FashionMnistImage>(ml.Data.TakeRows(subset.Train, 300), reuseRowObject: false).ToList();
        var test = ml.Data.CreateEnumerable<FashionMnistImage>(ml.Data.TakeRows(subset.Test, 200), reuseRowObject: false).ToArray();
        train.AddRange(test.Take(3).Select(t => new FashionMnistImage { Label = t.Label, Features = (float[])t.Features.Clone() }));
        var touched = (float[])test[10].Features.Clone();
        for (int i = 0; i < 20; i++)
            touched[300 + i] = Math.Min(1, touched[300 + i] + 0.02f);
        train.Add(new FashionMnistImage { Label = test[10].Label, Features = touched });
        train.Add(new FashionMnistImage { Label = "Bag", Features = new float[784] });
        var directory = Path.Combine(TestContext.TestRunDirectory ?? Path.GetTempPath(), $"inspection-{Guid.NewGuid():N}");

        var report = DataInspection.Inspect(ml.Data.LoadFromEnumerable(train),
            new DataInspectionOptions { CompareWith = ml.Data.LoadFromEnumerable(test), OutputDirectory = directory });

        Assert.AreEqual(305, report.Images);
        Assert.AreEqual(10, report.ClassCounts.Count);
        Assert.AreEqual(train.Count(r => r.Label == "Bag"), report.ClassCounts["Bag"]);
        var exact = report.Duplicates.Where(d => d.Exact).ToArray();
        CollectionAssert.AreEquivalent(new long[] { 300, 301, 302 }, exact.Select(d => d.Row).ToArray(), report.Summary);
        CollectionAssert.AreEquivalent(new long[] { 0, 1, 2 }, exact.Select(d => d.OtherRow).ToArray());
        Assert.IsTrue(report.Duplicates.Any(d => !d.Exact && d.Row == 303 && d.OtherRow == 10), $"the touched copy is a near duplicate: {report.Summary}");
        Assert.AreEqual(304, report.Extremes["darkest"][0].Row);
        Assert.AreEqual(0, report.Extremes["lowest contrast"][0].Value);
        Assert.IsTrue(report.UniformImages >= 1);
        StringAssert.Contains(report.Summary, "305 images in 10 classes");
        StringAssert.Contains(report.Summary, "3 exact and");
        StringAssert.Contains(report.Summary, "nearly uniform");
        Assert.IsFalse(report.Extremes.ContainsKey("largest files"), "vectors have no files");

        var samples = SKBitmap.DecodeBounds(Path.Combine(directory, "samples.png"));
        Assert.AreEqual((8 * 112, 10 * (112 + 34)), (samples.Width, samples.Height), "ten rows of eight samples");
        Assert.IsTrue(File.Exists(Path.Combine(directory, "extremes.png")));
    }

    [TestMethod]
    public void AFolderOfPhotosIsReadFromItsFilesWithTheirSizes()
    {
        using var folder = new ImageFolderData(perClass: 6, seed: 3);
        var ml = new MLContext(1);
        var report = DataInspection.Inspect(ml.Data.LoadImagesFromFolder(folder.Root), new DataInspectionOptions { ImageColumnName = "ImagePath" });

        CollectionAssert.AreEquivalent(ImageFolderData.Classes, report.ClassCounts.Keys.ToArray());
        Assert.IsTrue(report.ClassCounts.Values.All(c => c == 6));
        var largest = report.Extremes["largest files"][0];
        Assert.AreEqual(new FileInfo(largest.Path!).Length, (long)largest.Value);
        long biggest = Directory.EnumerateFiles(folder.Root, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith(".txt")).Max(f => new FileInfo(f).Length);
        Assert.AreEqual(biggest, (long)largest.Value);
        StringAssert.Contains(report.Summary, "File size from");
    }
}
