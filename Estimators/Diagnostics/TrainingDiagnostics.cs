using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MLExtensions.Images;

namespace MLExtensions;

/// <summary>
/// Checks a training setup before the real run (training checklist §9), each with a short bounded training run on a
/// copy of the options (regularisation, augmentation, callbacks and checkpoints off):
/// <list type="number">
/// <item>the loss at initialisation is close to ln C for C classes;</item>
/// <item>turning regularisation up (an L1 penalty) raises that loss;</item>
/// <item>the network fits ~20 images to 100 % training accuracy within a bounded number of steps;</item>
/// <item>a short training on a few hundred images predicts held-out images above chance (the labels carry signal).</item>
/// </list>
/// </summary>
public static class TrainingDiagnostics
{
    /// <summary>Runs the checks for <paramref name="options"/> (of <c>ImageCnn</c> or <c>FineTuneImageCnn</c>) on <paramref name="data"/>.</summary>
    public static SanityReport SanityCheck(MLContext mlContext, CnnTrainingOptions options, IDataView data, SanityCheckOptions? check = null)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        return SanityCheck((IHostEnvironment)mlContext, options, data, check);
    }

    internal static SanityReport SanityCheck(IHostEnvironment env, CnnTrainingOptions options, IDataView data, SanityCheckOptions? check = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(data);
        check ??= new SanityCheckOptions();
        int classes = ClassCount(data, options.LabelColumnName);
        var run = new ProbeRuns(env, options, data, check.Seed);
        var initial = run.InitialLoss(check.InitialLossRows, l1: 0);
        return new SanityReport(
        [
            InitialLossCheck(initial, classes, check),
            RegularisationCheck(initial, run.InitialLoss(check.InitialLossRows, check.L1ForCheck), check),
            OverfitCheck(run.OverfitSmallSet(check.OverfitImages, check.OverfitMaxSteps), initial, check),
            LearnabilityCheck(run.ShortTraining(check.LearnabilityImages, check.LearnabilityEpochs), initial, classes, check),
        ]);
    }

    /// <summary>
    /// The learning-rate finder: trains from the starting weights (a fresh network for <c>ImageCnn</c>, the pretrained
    /// one for <c>FineTuneImageCnn</c>) on a copy of the options while the rate grows exponentially at every step,
    /// records the smoothed loss, stops when it diverges, and suggests the rate where it falls fastest. The options and
    /// any model are left untouched: the sweep trains its own copy.
    /// </summary>
    public static LearningRateFinderResult FindLearningRate(MLContext mlContext, CnnTrainingOptions options, IDataView data, LearningRateFinderOptions? finder = null)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(data);
        finder ??= new LearningRateFinderOptions();
        if (finder.Steps < 3 || !(finder.StartRate > 0) || !(finder.EndRate > finder.StartRate))
            throw new ArgumentOutOfRangeException(nameof(finder), $"The sweep needs at least 3 steps and 0 < StartRate < EndRate; got {finder.Steps} steps from {finder.StartRate} to {finder.EndRate}.");
        var sweep = new LearningRateSweep(finder);
        int batch = options.BatchSize ?? 64;
        new ProbeRuns(mlContext, options, data, finder.Seed).Run(rows: finder.Steps * batch, epochs: finder.Steps, sweep);
        if (sweep.Points.Count < 3)
            throw new InvalidOperationException($"The learning-rate sweep took only {sweep.Points.Count} steps ({sweep.Stop}); lower StartRate or check the data.");
        var (suggested, minimum) = LearningRateSweep.Suggest(sweep.Points, finder.SkipStart);
        return new LearningRateFinderResult(sweep.Points, suggested, minimum, sweep.Stop);
    }

    private static SanityCheckResult InitialLossCheck(double loss, int classes, SanityCheckOptions check)
    {
        double expected = Math.Log(classes);
        bool passed = double.IsFinite(loss) && Math.Abs(loss - expected) <= check.InitialLossTolerance * expected;
        return new("loss at initialisation", passed, $"{F(loss)}", $"ln {classes} = {F(expected)} ± {check.InitialLossTolerance:P0}",
            loss > expected
                ? "the initial scores are too confident: the last layer's initial weights are too large (scale them down, or set ZeroInitializeLastLayer)"
                : "the loss is below chance before training: check that the labels are not leaked into the images and that the loss is a mean cross-entropy");
    }

    private static SanityCheckResult RegularisationCheck(double without, double with, SanityCheckOptions check)
        => new($"regularisation raises the loss (L1 {check.L1ForCheck:G2})", double.IsFinite(with) && with > without,
            $"{F(without)} → {F(with)}", "a higher loss with the penalty",
            "the penalty does not reach the loss: check a custom Objective or the callbacks that change the loss");

    private static SanityCheckResult OverfitCheck(ProbeRuns.Fit fit, double initialLoss, SanityCheckOptions check)
    {
        bool passed = fit.Accuracy >= 1 - 1e-9;
        string measured = fit.Diverged ? $"the loss became NaN/infinite after {fit.Steps} steps" : $"{fit.Accuracy:P1} training accuracy after {fit.Steps} steps, loss {F(fit.Loss)}";
        return new($"fits {fit.Images} images", passed, measured, $"100 % within {check.OverfitMaxSteps} steps",
            RoseOrDiverged(fit, initialLoss) ?? "the network cannot even memorise a few images: raise the learning rate, check the network's capacity, the inputs' scale, and that gradients reach every layer");
    }

    // A loss that ends above where it started (or is not finite) says the steps are too large.
    private static string? RoseOrDiverged(ProbeRuns.Fit fit, double initialLoss)
        => fit.Diverged || !(fit.Loss <= initialLoss)
            ? $"the loss rose from {F(initialLoss)} to {(fit.Diverged ? "NaN/infinity" : F(fit.Loss))}: the learning rate {fit.LearningRate.ToString("G3", CultureInfo.InvariantCulture)} is too high; lower it (try FindLearningRate)"
            : null;

    private static SanityCheckResult LearnabilityCheck(ProbeRuns.Fit fit, double initialLoss, int classes, SanityCheckOptions check)
    {
        double chance = 1.0 / classes;
        double noise = 3 * Math.Sqrt(chance * (1 - chance) / Math.Max(1, fit.ValidationImages));
        double needed = chance + Math.Max(check.LearnabilityMargin, noise);
        bool passed = !fit.Diverged && fit.ValidationAccuracy >= needed;
        return new($"predicts held-out images after {fit.Steps} steps on {fit.Images} images", passed,
            fit.Diverged ? "the loss became NaN/infinite" : $"{fit.ValidationAccuracy:P1} on {fit.ValidationImages} held-out images",
            $"at least {needed:P1} (chance {chance:P1})",
            RoseOrDiverged(fit, initialLoss) ?? "the labels do not seem to match the images (shuffled, or joined to the wrong rows), or the task needs far more training than this check gives");
    }

    private static int ClassCount(IDataView data, string labelColumnName)
    {
        var label = ImageColumn.Find(data.Schema, labelColumnName);
        return label.Type is KeyDataViewType key ? (int)key.Count
            : throw new ArgumentOutOfRangeException(nameof(data), $"Label column '{labelColumnName}' must be a key type; add MapValueToKey(\"{labelColumnName}\") first.");
    }

    private static string F(double value) => value.ToString("F4", CultureInfo.InvariantCulture);
}
