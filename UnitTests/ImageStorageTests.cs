using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;

namespace MLExtensions.UnitTests;

/// <summary>
/// Where the training images are kept (floats or 8-bit bytes, in memory or in the disk cache) and how many threads
/// read them ahead changes memory and speed, never the trained weights.
/// </summary>
[TestClass]
public sealed class ImageStorageTests
{
    private const int Size = 16;

    private sealed class Photo
    {
        public string Label { get; set; } = "";

        [ImageType(Size, Size)]
        public MLImage? Image { get; set; }

        /// <summary>The same image as planar RGB floats in [0, 1].</summary>
        [VectorType(3, Size, Size)]
        public float[] Rgb { get; set; } = [];

        /// <summary>The same image as luma floats, 0.299R + 0.587G + 0.114B.</summary>
        [VectorType(1, Size, Size)]
        public float[] Luma { get; set; } = [];
    }

    // Noise tinted red, green or blue by class; each pass makes new MLImages because ML.NET disposes those it read.
    private static IEnumerable<Photo> Photos(int count, int seed)
    {
        var random = new Random(seed);
        var rgbas = Enumerable.Range(0, count).Select(i => TintedNoise.Rgba(random, Size, Size, channel: i % 3, tint: 0xA0)).ToArray();
        for (int i = 0; i < count; i++)
            yield return ToPhoto(new[] { "red", "green", "blue" }[i % 3], rgbas[i]);
    }

    private static Photo ToPhoto(string label, byte[] rgba)
    {
        const int plane = Size * Size;
        var rgb = new float[3 * plane];
        var luma = new float[plane];
        for (int p = 0; p < plane; p++)
        {
            float r = rgba[4 * p] * (1f / 255), g = rgba[4 * p + 1] * (1f / 255), b = rgba[4 * p + 2] * (1f / 255);
            (rgb[p], rgb[plane + p], rgb[2 * plane + p]) = (r, g, b);
            luma[p] = 0.299f * r + 0.587f * g + 0.114f * b;
        }
        return new Photo { Label = label, Image = MLImage.CreateFromPixels(Size, Size, MLPixelFormat.Rgba32, rgba), Rgb = rgb, Luma = luma };
    }


    private static (ImageCnnTransformer Model, string[] Log) Train(string column, Action<ImageCnnTrainer.Options>? configure = null, int? channels = null)
    {
        var ml = new MLContext(seed: 1);
        var log = new List<string>();
        ml.Log += (_, e) => { lock (log) log.Add(e.Message); };
        var data = ml.Data.LoadFromEnumerable(new Reiterable<Photo>(() => Photos(90, seed: 4)));
        var keyed = ml.Transforms.Conversion.MapValueToKey("Label").Fit(data).Transform(data);
        var options = CnnTestData.Tiny(o =>
        {
            o.FeatureColumnName = column;
            o.StandardizeImageInputs = false; // compared with float vectors, which are used as given
            if (channels is int c)
                (o.Channels, o.ImageHeight, o.ImageWidth) = (c, Size, Size);
            o.BatchSize = 16;
            o.Epochs = 4;
            o.LearningRate = 5e-3;
            o.ValidationFraction = 0.2;
            o.Augmentation = new ImageAugmentation(seed: 2).HorizontalFlip().RandomCrop(2);
            configure?.Invoke(o);
        });
        var model = ml.MulticlassClassification.Trainers.ImageCnn(options).Fit(keyed);
        lock (log)
            return (model, log.ToArray());
    }

    private static void AssertKept(string[] log, string where)
        => Assert.IsTrue(log.Any(m => m.Contains($"training images, kept {where}")),
            $"expected the training images kept {where}; the log says: {string.Join(" | ", log.Where(m => m.Contains("kept")))}");

    [TestMethod]
    public void FloatsBytesAndTheDiskCacheTrainTheSameWeights()
    {
        var (floats, floatLog) = Train("Rgb");
        AssertKept(floatLog, "in memory as float");
        var (bytes, byteLog) = Train("Image");
        AssertKept(byteLog, "in memory as 8-bit RGB");
        var (diskBytes, diskByteLog) = Train("Image", o => o.DataCacheBytes = 0);
        AssertKept(diskByteLog, "in a disk cache as 8-bit RGB");
        var (diskFloats, diskFloatLog) = Train("Rgb", o => o.DataCacheBytes = 0);
        AssertKept(diskFloatLog, "in a disk cache as float");

        foreach (var (name, model) in new[] { ("in-memory bytes", bytes), ("disk-cached bytes", diskBytes), ("disk-cached floats", diskFloats) })
        {
            WeightsAssert.BitIdentical(floats.Network, model.Network, name);
            WeightsAssert.SameHistory(floats.History, model.History, name);
        }
        Assert.IsTrue(floats.History.Epochs[^1].ValidationAccuracy > 0.6, $"validation accuracy {floats.History.Epochs[^1].ValidationAccuracy}");
    }

    [TestMethod]
    public void MemoryAndDiskStoresHoldTheSameRowsAcrossTheWritersRowBlocks()
    {
        // 2,500 rows: the memory writer fills its tensor through views of 1,024 rows, so three blocks.
        var shape = new ImageShape(3, 4, 5);
        var format = MLExtensions.Cnn.ImageRowFormat.For(shape, bytes: true);
        const int rows = 2500;
        using var directory = new TempDirectory();
        MLExtensions.Cnn.ImageStore Write(long budget)
        {
            using var writer = MLExtensions.Cnn.ImageStoreWriter.Create(shape, format, rows, budget, directory.Path);
            for (int i = 0; i < rows; i++)
            {
                var row = writer.NextRow();
                for (int j = 0; j < row.Length; j++)
                    row[j] = (byte)((i * 7 + j) % 251);
                writer.Commit();
            }
            return writer.Complete();
        }
        using var memory = Write(long.MaxValue);
        using var disk = Write(budget: 0);
        StringAssert.StartsWith(memory.Description, "in memory");
        StringAssert.StartsWith(disk.Description, "in a disk cache");

        var order = Enumerable.Range(0, rows).Select(i => (long)(rows - 1 - i)).ToArray();
        using var fromMemory = memory.Load(order, null, TorchSharp.torch.CPU);
        using var fromDisk = disk.Load(order, null, TorchSharp.torch.CPU);
        Assert.IsTrue(fromMemory.eq(fromDisk).all().item<bool>(), "the two stores returned different rows");
        // Row 2,499 is first in this order; its value j is (2499 · 7 + j) mod 251, as a float in [0, 1].
        Assert.AreEqual((2499 * 7 + 21) % 251 / 255f, fromMemory[0, 1, 0, 1].item<float>(), 1e-6);
    }

    [TestMethod]
    public void GreyNetworksGetTheSameLumaFromBytesAsFromFloats()
    {
        var (floats, _) = Train("Luma", o => o.Augmentation = null);
        var (bytes, byteLog) = Train("Image", o => o.Augmentation = null, channels: 1);
        AssertKept(byteLog, "in memory as 8-bit RGB");
        var (diskBytes, _) = Train("Image", o => { o.Augmentation = null; o.DataCacheBytes = 0; }, channels: 1);
        WeightsAssert.BitIdentical(floats.Network, bytes.Network, "in-memory bytes");
        WeightsAssert.BitIdentical(floats.Network, diskBytes.Network, "disk-cached bytes");
    }

    [TestMethod]
    public void PrefetchWorkerCountChangesNothingButSpeed()
    {
        var (inline, _) = Train("Image", o => { o.DataCacheBytes = 0; o.PrefetchWorkers = 0; });
        foreach (int workers in new[] { 1, 2, 7 })
        {
            var (prefetched, _) = Train("Image", o => { o.DataCacheBytes = 0; o.PrefetchWorkers = workers; });
            WeightsAssert.BitIdentical(inline.Network, prefetched.Network, $"{workers} prefetch workers");
            WeightsAssert.SameHistory(inline.History, prefetched.History, $"{workers} prefetch workers");
        }
    }

    [TestMethod]
    public void TheDiskCacheLivesInItsDirectoryWhileTrainingAndIsDeletedAfter()
    {
        using var directory = new TempDirectory();
        var seen = new CacheFileCount(directory.Path);
        Train("Image", o => { o.DataCacheBytes = 0; o.DataCacheDirectory = directory.Path; o.Callbacks.Add(seen); });
        // Two caches: the training images and their validation split share one file; an upstream read makes no other.
        Assert.AreEqual(1, seen.FilesDuringTraining, "cache files while training");
        Assert.AreEqual(0, Directory.GetFiles(directory.Path).Length, "cache files after training");
    }

    private sealed class CacheFileCount(string directory) : TrainingCallback
    {
        public int FilesDuringTraining { get; private set; } = -1;

        public override void OnFitBegin(TrainingState state) => FilesDuringTraining = Directory.GetFiles(directory).Length;
    }

    [TestMethod]
    public void ANegativeBudgetOrTooManyWorkersIsRefusedByName()
    {
        var budget = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Train("Image", o => o.DataCacheBytes = -1));
        StringAssert.Contains(budget.Message, "DataCacheBytes");
        var workers = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Train("Image", o => o.PrefetchWorkers = 65));
        StringAssert.Contains(workers.Message, "PrefetchWorkers");
    }

    private sealed class AnySizePhoto
    {
        public string Label { get; set; } = "";

        [ImageType(40, 32)]
        public MLImage? Image { get; set; }
    }

    private sealed class Scores
    {
        public float[] Score { get; set; } = [];
    }

    private sealed class WrongSizeVector
    {
        public uint Label { get; set; }

        [VectorType(3, 8, 8)]
        public float[] Rgb { get; set; } = new float[3 * 8 * 8];
    }

    private static MLImage Solid(int width, int height, byte r, byte g, byte b)
    {
        var rgba = new byte[width * height * 4];
        for (int p = 0; p < width * height; p++)
            (rgba[4 * p], rgba[4 * p + 1], rgba[4 * p + 2], rgba[4 * p + 3]) = (r, g, b, 255);
        return MLImage.CreateFromPixels(width, height, MLPixelFormat.Rgba32, rgba);
    }

    [TestMethod]
    public void AFittedModelResizesImagesOfAnotherSizeButRefusesAVectorOfAnotherSize()
    {
        var (model, _) = Train("Image", o => o.Augmentation = null);
        var ml = new MLContext(seed: 1);
        (byte, byte, byte)[] colours = [(230, 20, 40), (10, 200, 30), (20, 40, 220), (120, 120, 120)];
        var small = ml.Data.LoadFromEnumerable(colours.Select(c => new Photo { Image = Solid(Size, Size, c.Item1, c.Item2, c.Item3) }));
        var large = ml.Data.LoadFromEnumerable(colours.Select(c => new AnySizePhoto { Image = Solid(40, 32, c.Item1, c.Item2, c.Item3) }));
        var expected = ml.Data.CreateEnumerable<Scores>(model.Transform(small), false).Select(s => s.Score).ToArray();
        var actual = ml.Data.CreateEnumerable<Scores>(model.Transform(large), false).Select(s => s.Score).ToArray();
        CollectionAssert.AreNotEqual(expected[0], expected[2], "red and blue images score differently");
        for (int i = 0; i < colours.Length; i++)
            CollectionAssert.AreEqual(expected[i], actual[i], $"scores of the 40×32 image of colour {colours[i]}");

        var (vectorModel, _) = Train("Rgb", o => o.Augmentation = null);
        var wrong = ml.Data.LoadFromEnumerable(new[] { new WrongSizeVector() });
        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => vectorModel.Transform(wrong));
        StringAssert.Contains(error.Message, "Rgb");
        StringAssert.Contains(error.Message, "[3, 16, 16]");
    }

    [TestMethod]
    public void EightBitImagesAreStandardizedWithTheTrainingImagesStatisticsKeptInTheModel()
    {
        var (model, log) = Train("Image", o => { o.StandardizeImageInputs = true; o.ValidationFraction = 0; o.Augmentation = null; });
        var photos = Photos(90, seed: 4).ToArray();
        const int plane = Size * Size;
        for (int c = 0; c < 3; c++)
        {
            var values = photos.SelectMany(p => p.Rgb.Skip(c * plane).Take(plane)).Select(v => (double)v).ToArray();
            double mean = values.Average(), deviation = Math.Sqrt(values.Average(v => (v - mean) * (v - mean)));
            Assert.AreEqual(mean, model.Description.InputMeans![c], 1e-5, $"channel {c} mean");
            Assert.AreEqual(deviation, model.Description.InputStandardDeviations![c], 1e-5, $"channel {c} standard deviation");
        }
        Assert.IsTrue(log.Any(m => m.Contains("standardizing the images per channel")));
        Assert.IsTrue(model.Network.state_dict().ContainsKey("input.mean"), "the statistics are part of the saved weights");

        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Photos(12, seed: 8));
        using var directory = new TempDirectory();
        ml.Model.Save(model, data.Schema, directory.File("model.zip"));
        var reloaded = ml.Model.Load(directory.File("model.zip"), out _);
        var before = ml.Data.CreateEnumerable<Scores>(model.Transform(data), false).SelectMany(s => s.Score).ToArray();
        var after = ml.Data.CreateEnumerable<Scores>(reloaded.Transform(data), false).SelectMany(s => s.Score).ToArray();
        CollectionAssert.AreEqual(before, after, "scores after a save and load");

        var (floats, _) = Train("Rgb", o => o.StandardizeImageInputs = true);
        Assert.IsNull(floats.Description.InputMeans, "float vectors are used as given");
    }
}
