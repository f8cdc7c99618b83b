using Microsoft.ML;
using MLExtensions.Diagnostics;

namespace MLExtensions;

/// <summary>
/// One of the images a model gets most wrong: its row, true and predicted classes, the predicted probability and the
/// loss.
/// </summary>
public sealed record TopLossImage(long Row, string TrueClass, string PredictedClass, float Probability, double Loss);

/// <summary>What <see cref="ModelInspection.Inspect"/> found, and the PNGs it wrote.</summary>
public sealed class ModelInspectionResult
{
    internal ModelInspectionResult(double accuracy, long images, double[,] confusion, IReadOnlyList<string> classes, IReadOnlyList<TopLossImage> topLosses, IReadOnlyList<string> files)
    {
        Accuracy = accuracy;
        Images = images;
        Confusion = confusion;
        Classes = classes;
        TopLosses = topLosses;
        Files = files;
    }

    /// <summary>Fraction of the inspected images predicted correctly.</summary>
    public double Accuracy { get; }

    /// <summary>Images inspected.</summary>
    public long Images { get; }

    /// <summary>Counts by true class (row) and predicted class (column), in <see cref="Classes"/> order.</summary>
    public double[,] Confusion { get; }

    /// <summary>The class names, in label key order (the confusion matrix's rows and columns).</summary>
    public IReadOnlyList<string> Classes { get; }

    /// <summary>Highest loss first.</summary>
    public IReadOnlyList<TopLossImage> TopLosses { get; }

    /// <summary>confusion.png and top_losses.png, when a directory was given.</summary>
    public IReadOnlyList<string> Files { get; }
}

/// <summary>
/// Looks at a fitted model's output on labelled data (training checklist §9): the confusion matrix and the images with
/// the highest loss (image, true class, predicted class, probability), as numbers and, when asked, as PNGs.
/// </summary>
public static class ModelInspection
{
    /// <param name="data">Rows the model can score, with the label as keys (as in training).</param>
    /// <param name="outputDirectory">Where confusion.png and top_losses.png go; null: no images.</param>
    public static ModelInspectionResult Inspect(ImageCnnTransformer model, IDataView data, int topLosses = 24, string? outputDirectory = null, string labelColumnName = "Label")
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        var outputs = ModelOutputs.Of(model, data, topLosses, labelColumnName);
        var files = new List<string>();
        if (outputDirectory is not null)
        {
            Directory.CreateDirectory(outputDirectory);
            var confusion = Path.Combine(outputDirectory, "confusion.png");
            var (width, height) = ReportPlots.ConfusionSize(outputs.Classes.Count);
            ReportPlots.SavePng(ReportPlots.Confusion(outputs.Confusion, outputs.Classes), confusion, width, height);
            files.Add(confusion);
            if (outputs.TopLosses.Count > 0)
            {
                var top = Path.Combine(outputDirectory, "top_losses.png");
                ImageGrid.SavePng(ReportPage.TopLossTiles(outputs), top);
                files.Add(top);
            }
        }
        return new ModelInspectionResult(outputs.Accuracy, outputs.Rows, outputs.Confusion, outputs.Classes,
            outputs.TopLosses.Select(s => new TopLossImage(s.Row, outputs.Classes[s.TrueClass], outputs.Classes[s.PredictedClass], s.Probability, s.Loss)).ToList(), files);
    }
}
