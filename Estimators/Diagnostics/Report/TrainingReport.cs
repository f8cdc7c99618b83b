using System.Globalization;
using System.Net;
using Microsoft.ML;
using MLExtensions.Diagnostics;

namespace MLExtensions;

/// <summary>
/// Writes a self-contained HTML page with its PNGs about a fitted model (training checklist §9: read the curves, look
/// at the model's output): the curve diagnosis, loss (with a moving average), accuracy and learning-rate curves,
/// per-layer gradient norms and the learning-rate finder when given, the confusion matrix and the highest-loss images
/// on evaluation data, the per-epoch table and the options used.
/// </summary>
public static class TrainingReport
{
    /// <summary>Writes <c>index.html</c> and its PNGs into <paramref name="directory"/> (created if needed) and returns the page's path.</summary>
    public static string Write(string directory, ImageCnnTransformer model, IDataView evaluationData, TrainingReportOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(evaluationData);
        options ??= new TrainingReportOptions();
        Directory.CreateDirectory(directory);
        var outputs = ModelOutputs.Of(model, evaluationData, options.TopLosses, options.LabelColumnName);
        var page = new ReportPage(directory, options.Title);

        page.Paragraph($"{Describe(model.Description)}; {model.History.Epochs.Count} epochs, {StopText(model.History)}. " +
                       $"Accuracy on the {outputs.Rows:N0} evaluation images: <b>{outputs.Accuracy:P2}</b>.");
        page.Heading("Diagnosis of the curves");
        page.Table(["finding", "recommendation", "evidence"], model.DiagnoseCurves().Select(d => new[] { d.Finding.ToString(), d.Recommendation, d.Evidence }));
        if (options.SanityChecks is { } sanity)
        {
            page.Heading("Sanity checks before training");
            page.Table(["check", "result", "measured", "expected", "advice"],
                sanity.Checks.Select(c => new[] { c.Check, c.Passed ? "pass" : "FAIL", c.Measured, c.Expected, c.Passed ? "" : c.Advice ?? "" }));
        }
        page.Heading("Learning curves");
        page.Plot(ReportPlots.Losses(model.History), "loss.png");
        page.Plot(ReportPlots.Accuracies(model.History), "accuracy.png");
        page.Plot(ReportPlots.LearningRates(model.History), "learning_rate.png");
        if (options.Gradients is { Samples.Count: > 0 } gradients)
        {
            page.Plot(ReportPlots.GradientNorms(gradients.Samples), "gradient_norms.png");
            foreach (var warning in gradients.Warnings)
                page.Paragraph("⚠ " + WebUtility.HtmlEncode(warning));
        }
        if (options.LearningRateFinder is { } finder)
        {
            page.Plot(ReportPlots.LearningRateFinder(finder), "learning_rate_finder.png");
            page.Paragraph(WebUtility.HtmlEncode(finder.ToString()));
        }
        page.Heading("The model's output");
        var (width, height) = ReportPlots.ConfusionSize(outputs.Classes.Count);
        page.Plot(ReportPlots.Confusion(outputs.Confusion, outputs.Classes), "confusion.png", width, height);
        if (outputs.TopLosses.Count > 0)
            page.TopLosses(outputs, "top_losses.png");
        page.Heading("Epochs");
        page.Table(["epoch", "training loss", "training accuracy", "validation loss", "validation accuracy", "learning rate", "seconds"],
            model.History.Epochs.Select(e => new[] { $"{e.Epoch}", F(e.TrainLoss), P(e.TrainAccuracy), e.ValidationLoss is double vl ? F(vl) : "", e.ValidationAccuracy is double va ? P(va) : "", G(e.LearningRate), e.Seconds.ToString("F1", CultureInfo.InvariantCulture) }));
        if (options.TrainingOptions is { } trainingOptions)
        {
            page.Heading("Options");
            page.Table(["option", "value"], OptionsTable.Rows(trainingOptions));
        }
        return page.Save();
    }

    private static string Describe(NetworkDescription d) => WebUtility.HtmlEncode(PretrainedNetwork.Describe(d));

    private static string StopText(TrainingHistory history)
        => history.StopReason == TrainingStopReason.Completed ? "completed" : $"stopped: {WebUtility.HtmlEncode(history.StopMessage ?? history.StopReason.ToString())}";

    private static string F(double value) => value.ToString("F4", CultureInfo.InvariantCulture);
    private static string P(double value) => value.ToString("P2", CultureInfo.InvariantCulture);
    private static string G(double value) => value.ToString("G3", CultureInfo.InvariantCulture);
}
