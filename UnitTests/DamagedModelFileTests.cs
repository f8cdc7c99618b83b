using System.IO.Compression;
using Microsoft.ML;

namespace MLExtensions.UnitTests;

/// <summary>Bad model files fail with an exception that names the file and the problem, never with a silently wrong model.</summary>
[TestClass]
public sealed class DamagedModelFileTests
{
    public TestContext TestContext { get; set; } = null!;

    private string Folder => Directory.CreateDirectory(Path.Combine(TestContext.TestRunDirectory ?? Path.GetTempPath(), $"bad-models-{Guid.NewGuid():N}")).FullName;

    private static (CnnTestData.Keyed Data, ImageCnnTransformer Model) Trained()
    {
        var data = CnnTestData.Load(trainRows: 200);
        return (data, CnnTestData.Fit(data, CnnTestData.Tiny(o => o.Epochs = 1)));
    }

    [TestMethod]
    public void DamagedWeightsFailToLoadInsteadOfPredictingWrongly()
    {
        var (data, model) = Trained();
        var path = Path.Combine(Folder, "damaged.zip");
        data.Ml.Model.Save(model, data.Train.Schema, path);
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Update))
        {
            var entry = zip.Entries.Single(e => e.FullName.EndsWith("Model.key", StringComparison.Ordinal));
            byte[] content;
            using (var stream = entry.Open())
            using (var copy = new MemoryStream())
            {
                stream.CopyTo(copy);
                content = copy.ToArray();
            }
            // Bytes inside the weights, well before the checksum at the end of the entry.
            for (int i = content.Length - 2000; i < content.Length - 1000; i++)
                content[i] ^= 0x5A;
            string name = entry.FullName;
            entry.Delete();
            using var rewritten = zip.CreateEntry(name).Open();
            rewritten.Write(content);
        }

        // ML.NET calls our loader by reflection, so Model.Load's exception wraps ours.
        var load = Assert.Throws<Exception>(() => data.Ml.Model.Load(path, out _));
        var cause = load is System.Reflection.TargetInvocationException { InnerException: { } inner } ? inner : load;
        Assert.IsInstanceOfType<InvalidDataException>(cause);
        StringAssert.Contains(cause.Message, "SHA-256 checksum does not match");
        var pretrained = Assert.ThrowsExactly<InvalidDataException>(() => PretrainedNetwork.FromModelFile(path));
        StringAssert.Contains(pretrained.Message, path);
        StringAssert.Contains(pretrained.Message, "damaged");
    }

    [TestMethod]
    public void TruncatedEmptyAndDirectoryPathsNameTheFileAndTheProblem()
    {
        var (data, model) = Trained();
        var folder = Folder;
        var good = Path.Combine(folder, "good.zip");
        data.Ml.Model.Save(model, data.Train.Schema, good);
        var bytes = File.ReadAllBytes(good);
        var truncated = Path.Combine(folder, "truncated.zip");
        File.WriteAllBytes(truncated, bytes[..(bytes.Length / 2)]);
        var empty = Path.Combine(folder, "empty.zip");
        File.WriteAllBytes(empty, []);

        foreach (var path in new[] { truncated, empty })
        {
            var error = Assert.ThrowsExactly<InvalidDataException>(() => PretrainedNetwork.FromModelFile(path));
            StringAssert.Contains(error.Message, path);
            StringAssert.Contains(error.Message, "not a complete model zip");
        }
        var directory = Assert.ThrowsExactly<ArgumentException>(() => PretrainedNetwork.FromModelFile(folder));
        StringAssert.Contains(directory.Message, "is a directory, not a model file");
        Assert.IsNotNull(PretrainedNetwork.FromModelFile(good), "the intact file still loads");
    }

    [TestMethod]
    public void APlainMLNetModelIsNamedForWhatItHolds()
    {
        var data = CnnTestData.Load(trainRows: 50);
        var path = Path.Combine(Folder, "plain.zip");
        data.Ml.Model.Save(data.KeyMap, data.Train.Schema, path);
        var error = Assert.ThrowsExactly<ArgumentException>(() => PretrainedNetwork.FromModelFile(path));
        StringAssert.Contains(error.Message, "holds no ImageCnn network");
        StringAssert.Contains(error.Message, "ValueToKeyMappingTransformer");
    }
}
