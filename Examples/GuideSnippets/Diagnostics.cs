using Microsoft.ML;
using MLExtensions;

namespace GuideSnippets;

/// <summary>docs/guides/diagnostics.md</summary>
internal static class Diagnostics
{
    internal static void Babysit(MLContext mlContext, ImageCnnTrainer.Options options, IDataView trainData, IDataView testData)
    {
        // Before training: the loss at init ≈ ln C, regularisation raises it, 20 images are fitted, held-out images beat chance.
        SanityReport sanity = TrainingDiagnostics.SanityCheck(mlContext, options, trainData);   // or options.SanityCheckFirst = true
        // The largest rate that trains: an exponential sweep on a copy of the options, suggestion at the steepest fall.
        LearningRateFinderResult lr = TrainingDiagnostics.FindLearningRate(mlContext, options, trainData);
        // While training: per-layer gradient norms, and TensorBoard event files.
        var gradients = new GradientHealthMonitor { EverySteps = 50 };
        options.Callbacks.Add(gradients);
        options.Callbacks.Add(new TensorBoardLogger("logs/run1"));
        var model = mlContext.MulticlassClassification.Trainers.ImageCnn(options).Fit(trainData);
        // After: what the curves say, and a report page.
        foreach (var finding in model.DiagnoseCurves()) Console.WriteLine(finding);
        TrainingReport.Write("report", model, testData, new TrainingReportOptions { TrainingOptions = options, Gradients = gradients, LearningRateFinder = lr });
    }
}
