using OxyPlot;
using OxyPlot.Axes;
using OxyPlot.Legends;
using OxyPlot.Series;

namespace MLExtensions.Diagnostics;

/// <summary>The diagnostics' plots, drawn with OxyPlot and saved as PNG.</summary>
internal static class ReportPlots
{
    internal const int Width = 640, Height = 400;

    internal static void SavePng(PlotModel plot, string path, int width = Width, int height = Height)
    {
        plot.Background = OxyColors.White;
        OxyPlot.SkiaSharp.PngExporter.Export(plot, path, width, height);
    }

    /// <summary>Training loss per epoch with its moving average, and validation loss when there is one.</summary>
    internal static PlotModel Losses(TrainingHistory history, int window = 3)
    {
        var plot = Plot("Loss", "epoch", "loss");
        var epochs = history.Epochs;
        plot.Series.Add(Line("training loss", epochs.Select(e => (double)e.Epoch), epochs.Select(e => e.TrainLoss)));
        var average = epochs.Select((e, i) => epochs.Skip(Math.Max(0, i - window + 1)).Take(Math.Min(window, i + 1)).Average(x => x.TrainLoss));
        plot.Series.Add(Line($"training loss, moving average of {window}", epochs.Select(e => (double)e.Epoch), average, LineStyle.Dash));
        if (epochs.All(e => e.ValidationLoss is not null) && epochs.Count > 0)
            plot.Series.Add(Line("validation loss", epochs.Select(e => (double)e.Epoch), epochs.Select(e => e.ValidationLoss!.Value)));
        return plot;
    }

    internal static PlotModel Accuracies(TrainingHistory history)
    {
        var plot = Plot("Accuracy", "epoch", "accuracy");
        var epochs = history.Epochs;
        plot.Series.Add(Line("training accuracy", epochs.Select(e => (double)e.Epoch), epochs.Select(e => e.TrainAccuracy)));
        if (epochs.All(e => e.ValidationAccuracy is not null) && epochs.Count > 0)
            plot.Series.Add(Line("validation accuracy", epochs.Select(e => (double)e.Epoch), epochs.Select(e => e.ValidationAccuracy!.Value)));
        return plot;
    }

    internal static PlotModel LearningRates(TrainingHistory history)
    {
        var plot = Plot("Learning rate (at each epoch's first step)", "epoch", "learning rate");
        plot.Series.Add(Line("learning rate", history.Epochs.Select(e => (double)e.Epoch), history.Epochs.Select(e => e.LearningRate)));
        return plot;
    }

    /// <summary>Each layer's gradient norm at the sampled steps, on a log scale.</summary>
    internal static PlotModel GradientNorms(IReadOnlyList<GradientSample> samples)
    {
        var plot = Plot("Gradient norm per layer", "step", "gradient L2 norm", logY: true);
        foreach (var layer in samples.GroupBy(s => s.Layer))
            plot.Series.Add(Line(layer.Key, layer.Select(s => (double)s.Step + 1), layer.Select(s => Math.Max(s.GradientNorm, 1e-30))));
        return plot;
    }

    internal static PlotModel LearningRateFinder(LearningRateFinderResult result)
    {
        var plot = Plot($"Learning-rate finder: suggested {result.SuggestedRate:G3}", "learning rate", "loss", logX: true);
        plot.Series.Add(Line("loss", result.Points.Select(p => p.Rate), result.Points.Select(p => p.Loss), LineStyle.Dot));
        plot.Series.Add(Line("smoothed loss", result.Points.Select(p => p.Rate), result.Points.Select(p => p.SmoothedLoss)));
        var suggested = result.Points.MinBy(p => Math.Abs(Math.Log(p.Rate / result.SuggestedRate)))!;
        plot.Series.Add(new ScatterSeries { Title = "suggested", MarkerType = MarkerType.Circle, MarkerSize = 6, ItemsSource = new[] { new ScatterPoint(suggested.Rate, suggested.SmoothedLoss) } });
        // The divergence at the end would flatten the rest: show the loss up to 1.5 times its smoothed start.
        var lossAxis = plot.Axes.Single(a => a.Position == AxisPosition.Left);
        lossAxis.Maximum = 1.5 * result.Points.Max(p => p.SmoothedLoss <= result.Points[0].SmoothedLoss * 1.5 ? p.SmoothedLoss : 0);
        lossAxis.Minimum = 0.9 * result.Points.Min(p => Math.Min(p.Loss, p.SmoothedLoss));
        return plot;
    }

    /// <summary>The confusion matrix's PNG size: room for every class's label on both axes.</summary>
    internal static (int Width, int Height) ConfusionSize(int classes)
    {
        int side = Math.Max(Height, 140 + 42 * classes);
        return (side + 120, side);
    }

    /// <summary>Counts, true class by row and predicted class by column, shaded by the row's fraction.</summary>
    internal static PlotModel Confusion(double[,] counts, IReadOnlyList<string> classes)
    {
        int n = classes.Count;
        var fractions = new double[n, n];
        for (int t = 0; t < n; t++)
        {
            double total = Enumerable.Range(0, n).Sum(p => counts[t, p]);
            for (int p = 0; p < n; p++)
                fractions[p, n - 1 - t] = total == 0 ? 0 : counts[t, p] / total;
        }
        var plot = new PlotModel { Title = "Confusion matrix (rows: true class, columns: predicted)" };
        plot.Axes.Add(new CategoryAxis { Position = AxisPosition.Bottom, Key = "predicted", ItemsSource = classes, Angle = -30, Title = "predicted" });
        plot.Axes.Add(new CategoryAxis { Position = AxisPosition.Left, Key = "true", ItemsSource = classes.Reverse().ToArray(), Title = "true" });
        plot.Axes.Add(new LinearColorAxis { Position = AxisPosition.Right, Palette = OxyPalette.Interpolate(100, OxyColors.White, OxyColors.SteelBlue, OxyColors.Navy), Minimum = 0, Maximum = 1 });
        plot.Series.Add(new HeatMapSeries
        {
            X0 = 0, X1 = n - 1, Y0 = 0, Y1 = n - 1, Data = fractions, RenderMethod = HeatMapRenderMethod.Rectangles,
            LabelFormatString = "0.00", LabelFontSize = n <= 12 ? 0.2 : 0, XAxisKey = "predicted", YAxisKey = "true",
        });
        return plot;
    }

    private static PlotModel Plot(string title, string x, string y, bool logX = false, bool logY = false)
    {
        var plot = new PlotModel { Title = title };
        plot.Legends.Add(new Legend { LegendPosition = LegendPosition.RightTop, LegendBackground = OxyColor.FromAColor(200, OxyColors.White) });
        plot.Axes.Add(logX ? new LogarithmicAxis { Position = AxisPosition.Bottom, Title = x } : new LinearAxis { Position = AxisPosition.Bottom, Title = x });
        plot.Axes.Add(logY ? new LogarithmicAxis { Position = AxisPosition.Left, Title = y } : new LinearAxis { Position = AxisPosition.Left, Title = y });
        return plot;
    }

    private static LineSeries Line(string title, IEnumerable<double> xs, IEnumerable<double> ys, LineStyle style = LineStyle.Solid)
    {
        var series = new LineSeries { Title = title, LineStyle = style, MarkerType = MarkerType.None };
        series.Points.AddRange(xs.Zip(ys, (x, y) => new DataPoint(x, y)));
        return series;
    }
}
