using Microsoft.ML;
using Microsoft.ML.Data;
using MLExtensions.MLNetInternals;

namespace MLExtensions.UnitTests;

/// <summary>
/// Each ML.NET internal that MLExtensions relies on, exercised directly: when an ML.NET upgrade renames or
/// removes one, the failing test names it.
/// </summary>
[TestClass]
public sealed class MLNetInternalsContractTests
{
    [TestMethod]
    public void CatalogsExposeTheirMLContextEnvironment()
    {
        // The environment behind a catalog carries the MLContext's seed...
        int Draw(MLContext ml) => CatalogEnvironment.Of(ml.Transforms).Register("probe").Rand.Next();
        Assert.AreEqual(Draw(new MLContext(seed: 5)), Draw(new MLContext(seed: 5)), "IInternalCatalog.Environment of TransformsCatalog ignores the seed");
        Assert.AreNotEqual(Draw(new MLContext(seed: 5)), Draw(new MLContext(seed: 6)));
        // ...and is the same environment for every catalog of one MLContext.
        var context = new MLContext();
        Assert.AreSame(CatalogEnvironment.Of(context.Transforms), CatalogEnvironment.Of(context.MulticlassClassification.Trainers));
        Assert.ThrowsExactly<ArgumentException>(() => CatalogEnvironment.Of(new object()));
    }

    [TestMethod]
    public void SchemaShapeColumnsCanBeBuilt()
    {
        var column = SchemaShapes.Column("X", SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single, false);
        Assert.AreEqual("X", column.Name);
        Assert.AreEqual(NumberDataViewType.Single, column.ItemType);
        var ml = new MLContext();
        var shape = SchemaShapes.From(TestData.Images(ml, [], 1, 2, 2).Schema);
        Assert.IsTrue(SchemaShapes.TryFind(shape, "Pixels", out var pixels));
        Assert.AreEqual(SchemaShape.Column.VectorKind.Vector, pixels.Kind);
        Assert.IsFalse(SchemaShapes.TryFind(SchemaShapes.With(shape, column), "Missing", out _));
        Assert.AreEqual(2, SchemaShapes.With(shape, column).Count);
    }

    [TestMethod]
    public void CancellationReachesComponents()
    {
        var ml = new MLContext();
        var host = CatalogEnvironment.Of(ml.Transforms).Register("probe");
        HostServices.ThrowIfCancelled(host);
        HostServices.Cancel(ml);
        Assert.ThrowsExactly<OperationCanceledException>(() => HostServices.ThrowIfCancelled(host));
    }

    [TestMethod]
    public void ModelFormatsRespectHeaderLimits()
    {
        Assert.ThrowsExactly<ArgumentException>(() => new ModelFormat("SHORT", "Loader", 1, 1, 1));
        Assert.ThrowsExactly<ArgumentException>(() => new ModelFormat("EIGHTCHR", new string('x', 25), 1, 1, 1));
        Assert.ThrowsExactly<ArgumentException>(() => new ModelFormat("EIGHTCHR", "Loader", 2, 1, firstChecksummedVersion: 3));
        Assert.AreEqual(8, MeanSubtractionTransformer.ModelFormat.ModelSignature.Length);
    }

    [TestMethod]
    public void SavedModelNamesALoadableAssemblyAndLoadsInANewContext()
    {
        var ml = new MLContext(seed: 1);
        var data = TestData.Images(ml, TestData.RandomImages(5, 4, 2), 1, 2, 2);
        var model = ml.Transforms.SubtractMean("Pixels").Fit(data);
        using var stream = new MemoryStream();
        ml.Model.Save(model, data.Schema, stream);

        // ML.NET finds the loader through the assembly name written (as UTF-16) in the model header.
        var zip = new System.IO.Compression.ZipArchive(new MemoryStream(stream.ToArray()));
        var name = System.Text.Encoding.Unicode.GetBytes(typeof(MeanSubtractionTransformer).Assembly.FullName!);
        var headers = zip.Entries.Where(e => e.Name == "Model.key").Select(e =>
        {
            using var entry = new MemoryStream();
            e.Open().CopyTo(entry);
            return entry.ToArray();
        }).ToArray();
        Assert.IsTrue(headers.Any(h => h.AsSpan().IndexOf(name) >= 0), "no model header names the MLExtensions.Transforms assembly");

        stream.Position = 0;
        var loaded = new MLContext().Model.Load(stream, out _);
        Assert.IsInstanceOfType<MeanSubtractionTransformer>(loaded);
    }

    [TestMethod]
    public void TheGuardEnforcesExactlyTheMicrosoftMLRangeThePackageDeclares()
    {
        var dependencies = PackedDependencies.Of("MLExtensions.Transforms");
        var declared = MLNetVersionGuard.ParseRange(dependencies["Microsoft.ML"]);
        Assert.AreEqual(dependencies["Microsoft.ML"], dependencies["Microsoft.ML.ImageAnalytics"], "ImageAnalytics must follow the same ML.NET line");
        Assert.AreEqual(declared, MLNetVersionGuard.Supported, $"package declares {dependencies["Microsoft.ML"]}, guard enforces {MLNetVersionGuard.DeclaredRange}");

        // This process runs the ML.NET the suite is tested against, and it lies inside the declared range.
        var loaded = MLNetVersionGuard.LoadedVersion();
        Assert.IsNotNull(loaded);
        Assert.IsNull(MLNetVersionGuard.Check(loaded), $"loaded Microsoft.ML {loaded} is outside {dependencies["Microsoft.ML"]}");
        Assert.IsNull(MLNetVersionGuard.Check(declared.Minimum));

        // Just outside either end, the message names the loaded version and the declared bounds.
        var previousLine = new Version(declared.Minimum.Major - 1, 0, 1);
        foreach (var outside in new[] { declared.Below, new Version(declared.Below.Major + 1, 0, 0), previousLine })
        {
            var message = MLNetVersionGuard.Check(outside);
            Assert.IsNotNull(message, outside.ToString());
            StringAssert.Contains(message, $"this application loaded Microsoft.ML {outside}");
            StringAssert.Contains(message, $"from {declared.Minimum} up to (not including) {declared.Below}");
            StringAssert.Contains(message, $"Reference Microsoft.ML {declared.Minimum.Major}.{declared.Minimum.Minor}.x");
        }
    }

    [TestMethod]
    public void ARangeOfAnotherFormIsRefusedWithTheExpectedForm()
    {
        Assert.AreEqual((new Version(6, 0, 0), new Version(6, 1, 0)), MLNetVersionGuard.ParseRange("[6.0.0, 6.1)"));
        foreach (var range in new[] { "6.0.0", "[6.0.0, )", "(6.0.0, 6.1)", "[6.0.0, 6.1]" })
            StringAssert.Contains(Assert.ThrowsExactly<FormatException>(() => MLNetVersionGuard.ParseRange(range)).Message, "[minimum, below)");
    }
}
