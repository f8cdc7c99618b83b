using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLExtensions.UnitTests;

[TestClass]
public sealed class MeanSubtractionTests
{
    private const int C = 2, H = 2, W = 3;

    // Direct two-pass population statistics in double, independent of the estimator's streaming code.
    private static (double[] Mean, double[] Std) Reference(float[][] images, MeanSubtractionMode mode)
    {
        int groups = mode == MeanSubtractionMode.PerPixel ? C * H * W : C;
        int Group(int i) => mode == MeanSubtractionMode.PerPixel ? i : i / (H * W);
        var sum = new double[groups];
        var count = new double[groups];
        foreach (var image in images)
            for (int i = 0; i < image.Length; i++)
            {
                sum[Group(i)] += image[i];
                count[Group(i)]++;
            }
        var mean = sum.Zip(count, (s, n) => s / n).ToArray();
        var squares = new double[groups];
        foreach (var image in images)
            for (int i = 0; i < image.Length; i++)
                squares[Group(i)] += Math.Pow(image[i] - mean[Group(i)], 2);
        var std = squares.Zip(count, (s, n) => Math.Sqrt(s / n)).ToArray();
        return (mean, std);
    }

    private static float[][] Images() => TestData.RandomImages(7, C * H * W, seed: 3, scale: 10f);

    [TestMethod]
    [DataRow(MeanSubtractionMode.PerChannel, false, true)]
    [DataRow(MeanSubtractionMode.PerChannel, true, true)]
    [DataRow(MeanSubtractionMode.PerPixel, false, true)]
    [DataRow(MeanSubtractionMode.PerPixel, true, true)]
    [DataRow(MeanSubtractionMode.PerChannel, true, false)]
    [DataRow(MeanSubtractionMode.PerPixel, true, false)]
    public void FitsHandComputedStatisticsAndAppliesThem(MeanSubtractionMode mode, bool divideByStd, bool shapedColumn)
    {
        var ml = new MLContext(seed: 1);
        var images = Images();
        var data = shapedColumn ? TestData.Images(ml, images, C, H, W) : TestData.Images(ml, images, C * H * W);
        var options = new MeanSubtractionEstimator.Options
        {
            OutputColumnName = "Centred", InputColumnName = "Pixels", Mode = mode, DivideByStd = divideByStd,
        };
        if (!shapedColumn)
            (options.Channels, options.ImageHeight, options.ImageWidth) = (C, H, W);

        var model = ml.Transforms.SubtractMean(options).Fit(data);

        var (mean, std) = Reference(images, mode);
        CollectionAssert.AreEqual(mean.Select(m => (float)m).ToArray(), model.Mean.ToArray(), new Tolerance(1e-6f));
        CollectionAssert.AreEqual(std.Select(s => (float)s).ToArray(), model.StandardDeviation.ToArray(), new Tolerance(1e-6f));
        Assert.AreEqual(new ImageShape(C, H, W), model.Shape);
        Assert.AreEqual(images.Length, model.SampleCount);

        var output = TestData.ReadVectors(model.Transform(data), "Centred");
        for (int r = 0; r < images.Length; r++)
            for (int i = 0; i < C * H * W; i++)
            {
                int g = mode == MeanSubtractionMode.PerPixel ? i : i / (H * W);
                double expected = (images[r][i] - mean[g]) / (divideByStd ? std[g] : 1);
                Assert.AreEqual(expected, output[r][i], 1e-5, $"row {r}, value {i}");
            }
    }

    [TestMethod]
    public void KeepsInputTypeDimensionsAndAnnotations()
    {
        var ml = new MLContext(seed: 1);
        var data = TestData.Images(ml, Images(), C, H, W);
        var output = ml.Transforms.SubtractMean("Centred", "Pixels").Fit(data).Transform(data).Schema["Centred"];
        var type = (VectorDataViewType)output.Type;
        CollectionAssert.AreEqual(new[] { C, H, W }, type.Dimensions.ToArray());
        Assert.AreEqual(NumberDataViewType.Single, type.ItemType);

        // A column with slot names keeps them.
        var schema = SchemaDefinition.Create(typeof(PixelRow));
        var names = new VBuffer<ReadOnlyMemory<char>>(C * H * W, Enumerable.Range(0, C * H * W).Select(i => $"p{i}".AsMemory()).ToArray());
        schema["Pixels"].ColumnType = new VectorDataViewType(NumberDataViewType.Single, C * H * W);
        schema["Pixels"].AddAnnotation("SlotNames", names, new VectorDataViewType(TextDataViewType.Instance, C * H * W));
        var named = ml.Data.LoadFromEnumerable(Images().Select(p => new PixelRow { Pixels = p }), schema);
        var centred = ml.Transforms.SubtractMean(new MeanSubtractionEstimator.Options
        {
            OutputColumnName = "Named", InputColumnName = "Pixels", Channels = C, ImageHeight = H, ImageWidth = W,
        }).Fit(named).Transform(named);
        var slotNames = default(VBuffer<ReadOnlyMemory<char>>);
        Assert.IsTrue(centred.Schema["Named"].HasSlotNames(), "slot names were dropped");
        centred.Schema["Named"].GetSlotNames(ref slotNames);
        Assert.AreEqual("p5", slotNames.GetItemOrDefault(5).ToString());
        Assert.IsTrue(centred.Schema["Named"].HasSlotNames(), "slot names were dropped");
    }

    [TestMethod]
    public void TestDataIsTransformedWithTrainingStatistics()
    {
        var ml = new MLContext(seed: 1);
        var train = Images();
        var test = TestData.RandomImages(3, C * H * W, seed: 99, scale: 5f);
        var model = ml.Transforms.SubtractMean("Pixels", mode: MeanSubtractionMode.PerPixel)
            .Fit(TestData.Images(ml, train, C, H, W));
        var output = TestData.ReadVectors(model.Transform(TestData.Images(ml, test, C, H, W)), "Pixels");
        var (mean, _) = Reference(train, MeanSubtractionMode.PerPixel);
        for (int r = 0; r < test.Length; r++)
            for (int i = 0; i < test[r].Length; i++)
                Assert.AreEqual(test[r][i] - mean[i], output[r][i], 1e-5);
    }

    [TestMethod]
    public void ConstantValuesAreCentredButNotScaled()
    {
        var ml = new MLContext(seed: 1);
        var images = Images();
        foreach (var image in images)
            image[0] = 4f;
        var model = ml.Transforms.SubtractMean("Pixels", mode: MeanSubtractionMode.PerPixel, divideByStd: true)
            .Fit(TestData.Images(ml, images, C, H, W));
        Assert.AreEqual(0f, model.StandardDeviation[0]);
        var output = TestData.ReadVectors(model.Transform(TestData.Images(ml, [[5f, .. images[0][1..]]], C, H, W)), "Pixels");
        Assert.AreEqual(1f, output[0][0], "a zero std must leave the centred value unscaled");
    }

    [TestMethod]
    public void MaxSamplesFirstUsesTheFirstRows()
    {
        var ml = new MLContext(seed: 1);
        var images = Images();
        var model = ml.Transforms.SubtractMean("Pixels", maxSamples: 3).Fit(TestData.Images(ml, images, C, H, W));
        var (mean, _) = Reference(images[..3], MeanSubtractionMode.PerChannel);
        Assert.AreEqual(3, model.SampleCount);
        CollectionAssert.AreEqual(mean.Select(m => (float)m).ToArray(), model.Mean.ToArray(), new Tolerance(1e-6f));
    }

    [TestMethod]
    public void MaxSamplesRandomIsSeededAndMatchesSomeSubset()
    {
        var ml = new MLContext(seed: 1);
        var images = TestData.RandomImages(40, C * H * W, seed: 5);
        var data = TestData.Images(ml, images, C, H, W);
        MeanSubtractionTransformer Fit(int seed) => ml.Transforms.SubtractMean(new MeanSubtractionEstimator.Options
        {
            OutputColumnName = "Pixels", Mode = MeanSubtractionMode.PerPixel, MaxSamples = 5, Sampling = RowSampling.Random, Seed = seed,
        }).Fit(data);

        var a = Fit(11);
        Assert.AreEqual(5, a.SampleCount);
        CollectionAssert.AreEqual(a.Mean.ToArray(), Fit(11).Mean.ToArray(), "same seed, same sample");
        CollectionAssert.AreNotEqual(a.Mean.ToArray(), Fit(12).Mean.ToArray(), "different seed, different sample");
        var first = ml.Transforms.SubtractMean("Pixels", mode: MeanSubtractionMode.PerPixel, maxSamples: 5).Fit(data);
        CollectionAssert.AreNotEqual(first.Mean.ToArray(), a.Mean.ToArray(), "random sampling took the first rows");
    }

    [TestMethod]
    public void WorksOnExtractPixelsOutput()
    {
        var ml = new MLContext(seed: 1);
        var random = new Random(4);
        const int width = 5, height = 4;
        var pixels = Enumerable.Range(0, 6).Select(_ =>
        {
            var rgba = new byte[width * height * 4];
            random.NextBytes(rgba);
            for (int i = 3; i < rgba.Length; i += 4)
                rgba[i] = 255;
            return rgba;
        }).ToArray();
        // ML.NET disposes images after reading them, so every pass over the data makes new ones.
        var data = ml.Data.LoadFromEnumerable(pixels.Select(rgba =>
            new ImageInput { Image = MLImage.CreateFromPixels(width, height, MLPixelFormat.Rgba32, rgba) }));
        var extracted = ml.Transforms.ExtractPixels("Pixels", "Image").Fit(data).Transform(data);
        var type = (VectorDataViewType)extracted.Schema["Pixels"].Type;
        CollectionAssert.AreEqual(new[] { 3, height, width }, type.Dimensions.ToArray(), "ExtractPixels is planar C×H×W");

        var model = ml.Transforms.SubtractMean("Centred", "Pixels", divideByStd: true).Fit(extracted);
        var planar = TestData.ReadVectors(extracted, "Pixels");
        var output = TestData.ReadVectors(model.Transform(extracted), "Centred");
        for (int c = 0; c < 3; c++)
        {
            var channel = planar.SelectMany(p => p.Skip(c * width * height).Take(width * height)).Select(v => (double)v).ToArray();
            double mean = channel.Average(), std = Math.Sqrt(channel.Select(v => (v - mean) * (v - mean)).Average());
            Assert.AreEqual(mean, model.Mean[c], 1e-3);
            Assert.AreEqual((planar[2][c * width * height + 7] - mean) / std, output[2][c * width * height + 7], 1e-4);
        }
    }

    private sealed class ImageInput
    {
        [Microsoft.ML.Transforms.Image.ImageType(4, 5)]
        public MLImage? Image { get; set; }
    }

    [TestMethod]
    public void FitIsCancelledThroughTheMLContext()
    {
        var ml = new MLContext(seed: 1);
        var data = TestData.Images(ml, Images(), C, H, W);
        var estimator = ml.Transforms.SubtractMean("Pixels");
        ml.CancelExecution();
        Assert.ThrowsExactly<OperationCanceledException>(() => estimator.Fit(data));
    }
}
