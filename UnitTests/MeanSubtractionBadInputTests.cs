using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLExtensions.UnitTests;

[TestClass]
public sealed class MeanSubtractionBadInputTests
{
    [TestMethod]
    public void MissingColumnIsNamedInFitAndInPipelineSchemaCheck()
    {
        var ml = new MLContext(seed: 1);
        var data = TestData.Images(ml, TestData.RandomImages(3, 4, 1), 1, 2, 2);
        var estimator = ml.Transforms.SubtractMean("Out", "Image");
        TestAssert.MessageContains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => estimator.Fit(data)), "'Image'", "not found", "'Pixels'");
        var pipeline = ml.Transforms.CopyColumns("Copy", "Pixels").Append(estimator);
        TestAssert.MessageContains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => pipeline.GetOutputSchema(MLNetInternals.SchemaShapes.From(data.Schema))), "'Image'");
    }

    [TestMethod]
    public void AnImageColumnIsRejectedNamingExtractPixels()
    {
        var ml = new MLContext(seed: 1);
        var folder = Directory.CreateTempSubdirectory("subtract-mean-image").FullName;
        var path = Path.Combine(folder, "red.png");
        File.WriteAllBytes(path, ImageFolderData.Tinted("red", 20, 10, new Random(1), png: true));
        var rows = ml.Data.LoadFromEnumerable(new[] { new PathRow { Path = path } });
        var images = ml.Transforms.LoadImages("Image", null, "Path").Fit(rows).Transform(rows);

        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.SubtractMean("Out", "Image").Fit(images));
        TestAssert.MessageContains(e, "'Image'", "holds images", "ExtractPixels");
        Directory.Delete(folder, recursive: true);
    }

    private sealed class PathRow
    {
        public string Path { get; set; } = "";
    }

    [TestMethod]
    public void IntegerColumnIsRejectedWithItsType()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(new[] { new IntPixelRow { Pixels = [1, 2, 3, 4] } },
            SchemaWithVector<IntPixelRow>(NumberDataViewType.Int32, 1, 2, 2));
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.SubtractMean("Pixels").Fit(data));
        TestAssert.MessageContains(e, "'Pixels'", "Single", "Int32");
    }

    [TestMethod]
    public void WrongLengthNamesExpectedAndActualSizes()
    {
        var ml = new MLContext(seed: 1);
        var data = TestData.Images(ml, TestData.RandomImages(3, 10, 1), 10);
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.SubtractMean(new MeanSubtractionEstimator.Options
        {
            OutputColumnName = "Pixels", ImageHeight = 3, ImageWidth = 3,
        }).Fit(data));
        TestAssert.MessageContains(e, "'Pixels'", "[1, 3, 3]", "9 floats", "10 floats");

        // A fitted model refuses data of another shape at transform time.
        var model = ml.Transforms.SubtractMean(new MeanSubtractionEstimator.Options { OutputColumnName = "Pixels", ImageHeight = 2, ImageWidth = 5 }).Fit(data);
        var other = TestData.Images(ml, TestData.RandomImages(3, 12, 1), 12);
        TestAssert.MessageContains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => model.Transform(other)), "'Pixels'", "10 floats", "12 floats");
    }

    [TestMethod]
    public void FlatVectorWithoutShapeAsksForIt()
    {
        var ml = new MLContext(seed: 1);
        var data = TestData.Images(ml, TestData.RandomImages(3, 10, 1), 10);
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.SubtractMean("Pixels").Fit(data));
        TestAssert.MessageContains(e, "'Pixels'", "flat vector of 10", "ImageHeight");
    }

    [TestMethod]
    public void VariableLengthVectorIsRejected()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(new[] { new PixelRow { Pixels = [1f, 2f] } });
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.SubtractMean("Pixels").Fit(data));
        TestAssert.MessageContains(e, "'Pixels'", "variable-length");
    }

    [TestMethod]
    public void NaNPixelDuringFitNamesRowAndElement()
    {
        var ml = new MLContext(seed: 1);
        var images = TestData.RandomImages(4, 4, 1);
        images[2][3] = float.NaN;
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => ml.Transforms.SubtractMean("Pixels").Fit(TestData.Images(ml, images, 1, 2, 2)));
        TestAssert.MessageContains(e, "'Pixels'", "row 2", "element 3", "NaN");
    }

    [TestMethod]
    public void EmptyDataIsAnError()
    {
        var ml = new MLContext(seed: 1);
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => ml.Transforms.SubtractMean("Pixels").Fit(TestData.Images(ml, [], 1, 2, 2)));
        TestAssert.MessageContains(e, "no rows", "'Pixels'");
    }

    [TestMethod]
    public void InvalidOptionsAreRejectedAtConstruction()
    {
        var ml = new MLContext(seed: 1);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.SubtractMean("Pixels", maxSamples: 0));
        Assert.ThrowsExactly<ArgumentException>(() => ml.Transforms.SubtractMean(new MeanSubtractionEstimator.Options { OutputColumnName = "P", ImageHeight = 3 }));
        Assert.ThrowsExactly<ArgumentException>(() => ml.Transforms.SubtractMean(""));
    }

    private static SchemaDefinition SchemaWithVector<T>(PrimitiveDataViewType itemType, params int[] dimensions)
    {
        var schema = SchemaDefinition.Create(typeof(T));
        schema["Pixels"].ColumnType = new VectorDataViewType(itemType, dimensions);
        return schema;
    }
}
