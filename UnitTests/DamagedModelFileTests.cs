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
        var zip = File.ReadAllBytes(path);
        string entry = new ZipArchive(new MemoryStream(zip)).Entries.Single(e => e.FullName.EndsWith("Model.key", StringComparison.Ordinal)).FullName;
        var content = ZipEntries.Read(zip, entry);
        // Bytes inside the weights, well before the checksums at the end of the entry.
        for (int i = content.Length - 2000; i < content.Length - 1000; i++)
            content[i] ^= 0x5A;
        File.WriteAllBytes(path, ZipEntries.With(zip, entry, content));

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
    public void AnyFlippedByteInOurEntriesIsRefusedOrChangesNothing()
    {
        // A chain of every component that saves itself: mean subtraction, augmentation, the network.
        var data = CnnTestData.Load(trainRows: 200);
        var model = data.Ml.Transforms.SubtractMean("Features")
            .Append(data.Ml.Transforms.AugmentImages("Features", new ImageAugmentation(seed: 1).HorizontalFlip()))
            .Append(data.Ml.MulticlassClassification.Trainers.ImageCnn(CnnTestData.Tiny(o => o.Epochs = 1)))
            .Fit(data.Train);
        using var saved = new MemoryStream();
        data.Ml.Model.Save(model, data.Train.Schema, saved);
        var test = data.Ml.Data.TakeRows(data.Test, 16);
        var expected = CnnTestData.Scores(model, test);
        var random = new Random(11);

        for (int component = 0; component < 3; component++)
        {
            string entry = $"TransformerChain/Transform_{component:D3}/Model.key";
            var content = ZipEntries.Read(saved.ToArray(), entry);
            // ML.NET's 256-byte header, then our block: its length (8 bytes), the bytes, their SHA-256 (32 bytes).
            long ours = 8 + BitConverter.ToInt64(content, 256) + 32;
            var positions = Enumerable.Range(0, 256).Where(i => i % 5 == 0)
                .Concat(Enumerable.Range(0, 40).Select(_ => 256 + (int)random.NextInt64(ours)))
                .Concat(Enumerable.Range((int)(256 + ours), content.Length - (int)(256 + ours)));
            foreach (int position in positions)
            {
                var damaged = ZipEntries.With(saved.ToArray(), entry, Flipped(content, position));
                var loaded = TryLoad(data.Ml, damaged);
                if (position >= 256 && position < 256 + ours)
                    Assert.IsNull(loaded, $"{entry}: a flipped byte at {position}, inside our checksummed block, loaded");
                else if (loaded is not null)
                    CollectionAssert.AreEqual(expected.SelectMany(v => v).ToArray(), CnnTestData.Scores(loaded, test).SelectMany(v => v).ToArray(),
                        $"{entry}: a flipped byte at {position} loaded into a model that scores differently");
            }
        }
    }

    [TestMethod]
    public void ADamagedEntryIsNamedInTheError()
    {
        var (data, model) = Trained();
        using var saved = new MemoryStream();
        data.Ml.Model.Save(model, data.Train.Schema, saved);
        var zip = saved.ToArray();
        // The model is the network alone: ML.NET saves it under TransformerChain/ all the same.
        const string ours = "TransformerChain/Model.key";
        var content = ZipEntries.Read(zip, ours);
        var error = Assert.Throws<Exception>(() => data.Ml.Model.Load(new MemoryStream(ZipEntries.With(zip, ours, Flipped(content, 256 + 8 + 3))), out _));
        var cause = error is System.Reflection.TargetInvocationException { InnerException: { } inner } ? inner : error;
        Assert.IsInstanceOfType<InvalidDataException>(cause);
        StringAssert.Contains(cause.Message, "model entry 'TransformerChain/Model.key' (ImageCnnTransformer)");
        StringAssert.Contains(cause.Message, "SHA-256 checksum does not match");
    }

    private static ITransformer? TryLoad(MLContext ml, byte[] zip)
    {
        try
        {
            return ml.Model.Load(new MemoryStream(zip), out _);
        }
        catch (Exception)
        {
            return null;
        }
    }

    private static byte[] Flipped(byte[] content, int position)
    {
        var copy = (byte[])content.Clone();
        copy[position] ^= 0x24;
        return copy;
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
