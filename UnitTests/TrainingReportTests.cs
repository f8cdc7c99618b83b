using System.Diagnostics;
using System.Text.RegularExpressions;
using SkiaSharp;

namespace MLExtensions.UnitTests;

/// <summary>The training report: every PNG it references exists at its declared size, and a real headless browser renders the page.</summary>
[TestClass]
public sealed partial class TrainingReportTests
{
    private const string Chromium = "/usr/bin/chromium";

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void TheReportsImagesExistAtTheirSizesAndChromiumRendersIt()
    {
        var directory = Path.Combine(TestContext.TestRunDirectory ?? Path.GetTempPath(), $"report-{Guid.NewGuid():N}");
        var data = CnnTestData.Load(trainRows: 300);
        var gradients = new GradientHealthMonitor { EverySteps = 3 };
        var options = CnnTestData.Tiny(o => { o.Epochs = 3; o.ValidationFraction = 0.2; });
        options.Callbacks.Add(gradients);
        var model = CnnTestData.Fit(data, options);
        var finder = TrainingDiagnostics.FindLearningRate(data.Ml, options, data.Train, new LearningRateFinderOptions { Steps = 30 });

        var page = TrainingReport.Write(directory, model, data.Test,
            new TrainingReportOptions { TrainingOptions = options, Gradients = gradients, LearningRateFinder = finder, TopLosses = 12 });

        var html = File.ReadAllText(page);
        var images = ImageTag().Matches(html).Select(m => (File: m.Groups[1].Value, Width: int.Parse(m.Groups[2].Value), Height: int.Parse(m.Groups[3].Value))).ToList();
        CollectionAssert.AreEquivalent(
            new[] { "loss.png", "accuracy.png", "learning_rate.png", "gradient_norms.png", "learning_rate_finder.png", "confusion.png", "top_losses.png" },
            images.Select(i => i.File).ToArray());
        foreach (var (file, width, height) in images)
        {
            var path = Path.Combine(directory, file);
            Assert.IsTrue(File.Exists(path), $"{file} is missing");
            var info = SKBitmap.DecodeBounds(path);
            Assert.AreEqual((width, height), (info.Width, info.Height), $"{file}'s size");
        }
        StringAssert.Contains(html, "Diagnosis of the curves");
        StringAssert.Contains(html, "LearningRate");

        var screenshot = Path.Combine(directory, "screenshot.png");
        RenderWithChromium(page, screenshot);
        using var rendered = SKBitmap.Decode(screenshot);
        Assert.IsNotNull(rendered, "chromium wrote no readable screenshot");
        var pixels = rendered.Pixels;
        double inked = pixels.Count(p => p.Red < 200 || p.Green < 200 || p.Blue < 200) / (double)pixels.Length;
        int coloured = pixels.Count(p => Math.Max(p.Red, Math.Max(p.Green, p.Blue)) - Math.Min(p.Red, Math.Min(p.Green, p.Blue)) > 80);
        Assert.IsTrue(inked > 0.02, $"the screenshot is nearly blank: {inked:P2} of its pixels are not white");
        Assert.IsTrue(coloured > 2000, $"only {coloured} strongly coloured pixels: the plots did not render");
    }

    private static void RenderWithChromium(string page, string screenshot)
    {
        if (!File.Exists(Chromium))
            Assert.Fail($"{Chromium} is missing: install it with `apt-get install -y chromium` (./test.sh does).");
        var start = new ProcessStartInfo(Chromium,
            ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1200,2400", $"--screenshot={screenshot}", new Uri(page).AbsoluteUri])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEnd();
        Assert.IsTrue(process.WaitForExit(TimeSpan.FromMinutes(2)), "chromium hung");
        Assert.IsTrue(File.Exists(screenshot), $"chromium exited {process.ExitCode} without a screenshot:\n{output.Result}\n{errors}");
    }

    [GeneratedRegex("<img src=\"([^\"]+)\" width=\"(\\d+)\" height=\"(\\d+)\"")]
    private static partial Regex ImageTag();
}
