using ScottPlot;

namespace MLExtensions.Diagnostics;

/// <summary>The diagnostics' plots, drawn with ScottPlot and saved as PNG.</summary>
internal static class ReportPlots
{
    internal const int Width = 640, Height = 400;

    internal static void SavePng(Plot plot, string path, int width = Width, int height = Height)
        => plot.SavePng(path, width, height);

    /// <summary>Training loss per epoch with its moving average, and validation loss when there is one.</summary>
    internal static Plot Losses(TrainingHistory history, int window = 3)
    {
        var plot = Titled("Loss", "epoch", "loss");
        var epochs = history.Epochs;
        double[] x = epochs.Select(e => (double)e.Epoch).ToArray();
        Line(plot, "training loss", x, epochs.Select(e => e.TrainLoss));
        var average = epochs.Select((e, i) => epochs.Skip(Math.Max(0, i - window + 1)).Take(Math.Min(window, i + 1)).Average(x => x.TrainLoss));
        Line(plot, $"training loss, moving average of {window}", x, average, LinePattern.Dashed);
        if (epochs.All(e => e.ValidationLoss is not null) && epochs.Count > 0)
            Line(plot, "validation loss", x, epochs.Select(e => e.ValidationLoss!.Value));
        return plot;
    }

    internal static Plot Accuracies(TrainingHistory history)
    {
        var plot = Titled("Accuracy", "epoch", "accuracy");
        var epochs = history.Epochs;
        double[] x = epochs.Select(e => (double)e.Epoch).ToArray();
        Line(plot, "training accuracy", x, epochs.Select(e => e.TrainAccuracy));
        if (epochs.All(e => e.ValidationAccuracy is not null) && epochs.Count > 0)
            Line(plot, "validation accuracy", x, epochs.Select(e => e.ValidationAccuracy!.Value));
        return plot;
    }

    internal static Plot LearningRates(TrainingHistory history)
    {
        var plot = Titled("Learning rate (at each epoch's first step)", "epoch", "learning rate");
        Line(plot, "learning rate", history.Epochs.Select(e => (double)e.Epoch).ToArray(), history.Epochs.Select(e => e.LearningRate));
        return plot;
    }

    /// <summary>Each layer's gradient norm at the sampled steps, on a log scale.</summary>
    internal static Plot GradientNorms(IReadOnlyList<GradientSample> samples)
    {
        var plot = Titled("Gradient norm per layer", "step", "gradient L2 norm");
        foreach (var layer in samples.GroupBy(s => s.Layer))
            Line(plot, layer.Key, layer.Select(s => (double)s.Step + 1).ToArray(), layer.Select(s => Math.Log10(Math.Max(s.GradientNorm, 1e-30))));
        LogScale(plot.Axes.Left);
        return plot;
    }

    internal static Plot LearningRateFinder(LearningRateFinderResult result)
    {
        var plot = Titled($"Learning-rate finder: suggested {result.SuggestedRate:G3}", "learning rate", "loss");
        double[] logRates = result.Points.Select(p => Math.Log10(p.Rate)).ToArray();
        Line(plot, "loss", logRates, result.Points.Select(p => p.Loss), LinePattern.Dotted);
        Line(plot, "smoothed loss", logRates, result.Points.Select(p => p.SmoothedLoss));
        var suggested = result.Points.MinBy(p => Math.Abs(Math.Log(p.Rate / result.SuggestedRate)))!;
        var marker = plot.Add.Marker(Math.Log10(suggested.Rate), suggested.SmoothedLoss, MarkerShape.FilledCircle, 12);
        marker.LegendText = "suggested";
        LogScale(plot.Axes.Bottom);
        // The divergence at the end would flatten the rest: show the loss up to 1.5 times its smoothed start.
        double top = 1.5 * result.Points.Max(p => p.SmoothedLoss <= result.Points[0].SmoothedLoss * 1.5 ? p.SmoothedLoss : 0);
        double bottom = 0.9 * result.Points.Min(p => Math.Min(p.Loss, p.SmoothedLoss));
        plot.Axes.AutoScaleX();
        plot.Axes.SetLimitsY(bottom, top);
        return plot;
    }

    /// <summary>The confusion matrix's PNG size: room for every class's label on both axes.</summary>
    internal static (int Width, int Height) ConfusionSize(int classes)
    {
        int side = Math.Max(Height, 140 + 42 * classes);
        return (side + 120, side);
    }

    /// <summary>Counts, true class by row and predicted class by column, shaded by the row's fraction.</summary>
    internal static Plot Confusion(double[,] counts, IReadOnlyList<string> classes)
    {
        int n = classes.Count;
        var fractions = new double[n, n];
        for (int t = 0; t < n; t++)
        {
            double total = Enumerable.Range(0, n).Sum(p => counts[t, p]);
            for (int p = 0; p < n; p++)
                fractions[t, p] = total == 0 ? 0 : counts[t, p] / total;
        }
        var plot = Titled("Confusion matrix (rows: true class, columns: predicted)", "predicted", "true");
        // Heatmap rows run top to bottom from row 0 and cell (0, 0) is centred on (0, n - 1): true class t at y = n - 1 - t.
        var heatmap = plot.Add.Heatmap(fractions);
        heatmap.Colormap = new ScottPlot.Colormaps.CustomInterpolated([Colors.White, Colors.SteelBlue, Colors.Navy]);
        heatmap.ManualRange = new ScottPlot.Range(0, 1);
        plot.Add.ColorBar(heatmap);
        if (n <= 12)
            for (int t = 0; t < n; t++)
                for (int p = 0; p < n; p++)
                    CellLabel(plot, p, n - 1 - t, fractions[t, p]);
        double[] positions = Enumerable.Range(0, n).Select(i => (double)i).ToArray();
        plot.Axes.Bottom.SetTicks(positions, classes.ToArray());
        plot.Axes.Bottom.TickLabelStyle.Rotation = -30;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleRight;
        // Room for the slanted class names above the axis title.
        plot.Axes.Bottom.MinimumSize = 24 + 6 * classes.Max(c => c.Length);
        plot.Axes.Left.SetTicks(positions, classes.Reverse().ToArray());
        return plot;
    }

    private static void CellLabel(Plot plot, double x, double y, double fraction)
    {
        var text = plot.Add.Text(fraction.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture), x, y);
        text.LabelAlignment = Alignment.MiddleCenter;
        text.LabelFontColor = fraction > 0.5 ? Colors.White : Colors.Black;
        text.LabelFontSize = 12;
    }

    private static Plot Titled(string title, string x, string y)
    {
        var plot = new Plot();
        plot.Title(title);
        plot.XLabel(x);
        plot.YLabel(y);
        plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }

    private static void Line(Plot plot, string title, double[] xs, IEnumerable<double> ys, LinePattern? pattern = null)
    {
        var series = plot.Add.ScatterLine(xs, ys.ToArray());
        series.LegendText = title;
        series.LinePattern = pattern ?? LinePattern.Solid;
        series.LineWidth = 2;
    }

    /// <summary>An axis whose data are log10 values: ticks at powers of ten labelled with the values themselves.</summary>
    private static void LogScale(IAxis axis)
    {
        axis.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = true,
            LabelFormatter = power => Math.Pow(10, power).ToString("G3", System.Globalization.CultureInfo.InvariantCulture),
        };
    }
}
