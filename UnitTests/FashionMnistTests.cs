using System.IO.Compression;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLExtensions.Data;

namespace MLExtensions.UnitTests;

[TestClass]
public sealed class FashionMnistTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void EmbeddedSubsetIsStratifiedAndShaped()
    {
        var ml = new MLContext();
        var data = ml.Data.LoadFashionMnist(FashionMnistSource.EmbeddedSubset);
        Assert.IsTrue(data.IsSubset);

        var features = data.Train.Schema["Features"].Type as VectorDataViewType;
        Assert.IsNotNull(features);
        Assert.AreEqual(NumberDataViewType.Single, features.ItemType);
        CollectionAssert.AreEqual(new[] { 1, 28, 28 }, features.Dimensions.ToArray());
        Assert.AreEqual(TextDataViewType.Instance, data.Train.Schema["Label"].Type);

        var train = ml.Data.CreateEnumerable<FashionMnistImage>(data.Train, reuseRowObject: false).ToArray();
        var test = ml.Data.CreateEnumerable<FashionMnistImage>(data.Test, reuseRowObject: false).ToArray();
        Assert.AreEqual(2000, train.Length);
        Assert.AreEqual(1000, test.Length);
        CollectionAssert.AreEquivalent(FashionMnist.ClassNames.ToArray(), train.Select(r => r.Label).Distinct().ToArray());
        Assert.IsTrue(train.GroupBy(r => r.Label).All(g => g.Count() == 200));
        Assert.IsTrue(test.GroupBy(r => r.Label).All(g => g.Count() == 100));
        Assert.IsTrue(train.All(r => r.Features.Length == 784 && r.Features.All(p => p is >= 0f and <= 1f)));
        Assert.IsTrue(train.Average(r => r.Features.Average()) > 0.1, "images look blank");
    }

    [TestMethod]
    public void FullSetIsReadFromAnIdxDirectory()
    {
        var directory = Directory.CreateTempSubdirectory("fmnist").FullName;
        WriteIdx(Path.Combine(directory, "train-images-idx3-ubyte.gz"), [3, 28, 28], Enumerable.Range(0, 3 * 784).Select(i => (byte)(i % 256)).ToArray());
        WriteIdx(Path.Combine(directory, "train-labels-idx1-ubyte.gz"), [3], [0, 9, 4]);
        WriteIdx(Path.Combine(directory, "t10k-images-idx3-ubyte.gz"), [1, 28, 28], new byte[784]);
        WriteIdx(Path.Combine(directory, "t10k-labels-idx1-ubyte.gz"), [1], [1]);

        var ml = new MLContext();
        var data = ml.Data.LoadFashionMnist(FashionMnistSource.Full, directory);
        Assert.IsFalse(data.IsSubset);
        Assert.AreEqual(directory, data.Origin);
        var rows = ml.Data.CreateEnumerable<FashionMnistImage>(data.Train, reuseRowObject: false).ToArray();
        CollectionAssert.AreEqual(new[] { "T-shirt/top", "Ankle boot", "Coat" }, rows.Select(r => r.Label).ToArray());
        Assert.AreEqual(255 / 255f, rows[0].Features[255]);
        Assert.AreEqual((784 % 256) / 255f, rows[1].Features[0], "the second image starts at byte 784");
    }

    [TestMethod]
    public void MissingFullSetNamesTheAptCommand()
    {
        var empty = Directory.CreateTempSubdirectory("nofmnist").FullName;
        var ml = new MLContext();
        var e = Assert.ThrowsExactly<FileNotFoundException>(() => FashionMnist.Load(ml.Data, FashionMnistSource.Full, null, debianDirectory: empty));
        StringAssert.Contains(e.Message, "apt-get install -y dataset-fashion-mnist");
        Assert.IsTrue(FashionMnist.Load(ml.Data, FashionMnistSource.Auto, null, debianDirectory: empty).IsSubset, "Auto falls back to the subset");

        var named = Assert.ThrowsExactly<FileNotFoundException>(() => ml.Data.LoadFashionMnist(FashionMnistSource.Auto, empty));
        StringAssert.Contains(named.Message, empty, "an explicitly named directory without data is an error, not a silent fallback");
    }

    [TestMethod]
    public void DebianDataSetIsUsedWhenInstalled()
    {
        var ml = new MLContext();
        var data = ml.Data.LoadFashionMnist();
        var configured = Environment.GetEnvironmentVariable(FashionMnist.DirectoryVariable);
        if (!string.IsNullOrEmpty(configured))
            Assert.AreEqual(configured, data.Origin);
        else if (Directory.Exists(FashionMnist.DebianDirectory))
        {
            Assert.AreEqual(FashionMnist.DebianDirectory, data.Origin);
            Assert.AreEqual(60000L, ml.Data.CreateEnumerable<FashionMnistImage>(data.Train, false).LongCount());
            Assert.AreEqual(10000L, ml.Data.CreateEnumerable<FashionMnistImage>(data.Test, false).LongCount());
        }
        else
            Assert.IsTrue(data.IsSubset, "without the Debian package, Auto loads the embedded subset");
    }

    [TestMethod]
    public void CorruptIdxFilesAreReported()
    {
        var path = Path.Combine(TestContext.TestRunDirectory ?? Path.GetTempPath(), "bad-idx");
        File.WriteAllBytes(path, [0, 0, 0x08, 1, 0, 0, 0, 5, 1, 2]);
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => IdxFile.Read(path)).Message, "5 bytes");
        File.WriteAllBytes(path, [1, 2, 3, 4]);
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => IdxFile.Read(path)).Message, "magic");
    }

    private static void WriteIdx(string path, int[] dimensions, byte[] data)
    {
        using var gz = new GZipStream(File.Create(path), CompressionLevel.Fastest);
        gz.Write([0, 0, 0x08, (byte)dimensions.Length]);
        foreach (var d in dimensions)
            gz.Write([(byte)(d >> 24), (byte)(d >> 16), (byte)(d >> 8), (byte)d]);
        gz.Write(data);
    }
}
