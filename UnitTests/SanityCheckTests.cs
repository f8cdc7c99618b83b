using Microsoft.ML;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MLExtensions.UnitTests;

/// <summary>The pre-training checks pass on a correct setup and name the failure on deliberately broken ones.</summary>
[TestClass]
public sealed class SanityCheckTests
{
    private static readonly Lazy<CnnTestData.Keyed> Data = new(() => CnnTestData.Load(trainRows: 800));

    private static ImageCnnTrainer.Options Options(Action<ImageCnnTrainer.Options>? configure = null)
        => CnnTestData.Tiny(o =>
        {
            o.Widths = [8, 16];
            o.HiddenUnits = 32;
            o.LearningRate = 3e-3;
            configure?.Invoke(o);
        });

    private static SanityReport Check(ImageCnnTrainer.Options options, IDataView? data = null)
        => TrainingDiagnostics.SanityCheck(Data.Value.Ml, options, data ?? Data.Value.Train);

    private static SanityCheckResult Single(SanityReport report, string check)
        => report.Checks.Single(c => c.Check.StartsWith(check, StringComparison.Ordinal));

    [TestMethod]
    public void ACorrectSetupPassesEveryCheck()
    {
        var report = Check(Options());
        Assert.IsTrue(report.Passed, report.ToString());
        Assert.AreEqual(4, report.Checks.Count);
        StringAssert.Contains(Single(report, "loss at initialisation").Expected, "ln 10 = 2.3026");
        StringAssert.Contains(Single(report, "fits 20 images").Measured, "100.0 % training accuracy");
    }

    [TestMethod]
    public void ShuffledLabelsFailTheHeldOutCheck()
    {
        var ml = Data.Value.Ml;
        var rows = ml.Data.CreateEnumerable<FashionMnistImage>(ml.Data.TakeRows(ml.Data.LoadFashionMnist(FashionMnistSource.EmbeddedSubset).Train, 800), reuseRowObject: false).ToArray();
        var random = new Random(5);
        var shuffledLabels = rows.Select(r => r.Label).OrderBy(_ => random.Next()).ToArray();
        var shuffled = rows.Select((r, i) => new FashionMnistImage { Label = shuffledLabels[i], Features = r.Features });
        var view = ml.Data.LoadFromEnumerable(shuffled);
        var keyed = ml.Transforms.Conversion.MapValueToKey("Label").Fit(view).Transform(view);

        var report = Check(Options(), keyed);
        Assert.IsFalse(report.Passed, report.ToString());
        var failure = Single(report, "predicts held-out images");
        Assert.IsFalse(failure.Passed, report.ToString());
        StringAssert.Contains(failure.Advice, "labels do not seem to match the images");
        Assert.IsTrue(Single(report, "loss at initialisation").Passed, report.ToString());
    }

    [TestMethod]
    public void AHugeLearningRateFailsToFitTwentyImagesAndSaysSo()
    {
        var report = Check(Options(o => o.LearningRate = 1e6));
        var failure = Single(report, "fits 20 images");
        Assert.IsFalse(failure.Passed, report.ToString());
        StringAssert.Contains(failure.Advice, "is too high", report.ToString());
    }

    [TestMethod]
    public void ALastLayerScaledAThousandfoldFailsTheInitialLoss()
    {
        var report = Check(Options(o =>
        {
            o.Architecture = CnnArchitecture.Custom;
            o.CustomArchitectureName = "sanity-scaled-output";
            o.CustomArchitecture = (shape, classes) =>
            {
                var network = Sequential(("conv", Conv2d(shape.Channels, 8, 3, padding: 1)), ("relu", ReLU()), ("pool", MaxPool2d(2)),
                    ("flatten", Flatten()), ("output", Linear(8 * (shape.Height / 2) * (shape.Width / 2), classes)));
                using (no_grad())
                    foreach (var (_, parameter) in network.named_parameters().Where(p => p.name.StartsWith("output.", StringComparison.Ordinal)))
                        parameter.mul_(1000);
                return network;
            };
        }));
        var failure = Single(report, "loss at initialisation");
        Assert.IsFalse(failure.Passed, report.ToString());
        StringAssert.Contains(failure.Advice, "last layer's initial weights are too large");
    }

    [TestMethod]
    public void SanityCheckFirstRefusesToTrainABrokenSetup()
    {
        var options = Options(o => { o.LearningRate = 1e6; o.SanityCheckFirst = true; });
        var error = Assert.ThrowsExactly<InvalidOperationException>(() => CnnTestData.Fit(Data.Value, options));
        StringAssert.Contains(error.Message, "ImageCnn did not start: Sanity checks failed");
        StringAssert.Contains(error.Message, "[FAIL] fits 20 images");
    }
}
