using System.Diagnostics;
using Microsoft.ML;
using MLExtensions;

namespace Benchmarks;

/// <summary>
/// Weight averaging at equal epochs (issue: the training loop as events): the same recipe and seed trained without
/// averaging, with an exponential moving average and with stochastic weight averaging. Averaging does not change
/// the training itself (the last epoch's training loss is the same in all three), only the weights kept.
/// </summary>
internal static class AveragingBenchmark
{
    internal static void Run(MLContext ml, FashionMnistData data, CnnArchitecture architecture, int epochs, int blocks, double emaDecay, int swaStart)
    {
        var keys = ml.Transforms.Conversion.MapValueToKey("Label").Fit(data.Train);
        var train = ml.Data.Cache(keys.Transform(data.Train));
        var test = ml.Data.Cache(keys.Transform(data.Test));
        var variants = new (string Name, WeightAveraging? Averaging)[]
        {
            ("no averaging", null),
            ($"EMA (decay {emaDecay})", WeightAveraging.Ema(emaDecay)),
            ($"SWA (epochs {swaStart}-{epochs})", WeightAveraging.Swa(swaStart)),
        };
        var results = variants.Select(v => Train(ml, train, test, Options(architecture, epochs, blocks, v.Name, v.Averaging))).ToArray();

        Console.WriteLine();
        Console.WriteLine($"| {architecture}, {epochs} epochs | {string.Join(" | ", variants.Select(v => v.Name))} |");
        Console.WriteLine($"| --- |{string.Concat(variants.Select(_ => " ---: |"))}");
        Console.WriteLine($"| test accuracy | {string.Join(" | ", results.Select(r => $"{r.Accuracy:P2}"))} |");
        Console.WriteLine($"| gain over no averaging | | {string.Join(" | ", results.Skip(1).Select(r => $"{(r.Accuracy - results[0].Accuracy) * 100:+0.00;-0.00} points"))} |");
        Console.WriteLine($"| test log-loss | {string.Join(" | ", results.Select(r => $"{r.LogLoss:F4}"))} |");
        Console.WriteLine($"| last epoch's training loss (same trajectory) | {string.Join(" | ", results.Select(r => $"{r.TrainLoss:F6}"))} |");
        Console.WriteLine($"| training minutes | {string.Join(" | ", results.Select(r => $"{r.Minutes:F1}"))} |");
    }

    // The main job's recipe for SimpleConvNet; the augmentation benchmark's (without augmentation) for ResNet.
    private static ImageCnnTrainer.Options Options(CnnArchitecture architecture, int epochs, int blocks, string name, WeightAveraging? averaging) => new()
    {
        Architecture = architecture,
        Widths = architecture == CnnArchitecture.ResNet ? [16, 32, 64] : null,
        Blocks = architecture == CnnArchitecture.ResNet ? [blocks, blocks, blocks] : null,
        Optimizer = OptimizerKind.AdamW, LearningRate = 2e-3, WeightDecay = 1e-4,
        Dropout = architecture == CnnArchitecture.SimpleConvNet ? 0.3 : 0,
        Schedule = LearningRateSchedule.Cosine(warmupEpochs: 1), Epochs = epochs, BatchSize = 128, Seed = 1,
        Device = ComputeDevice.Auto, WeightAveraging = averaging,
        OnEpochEnd = e => Console.WriteLine($"  {architecture}, {name}: {e}"),
    };

    private static (double Accuracy, double LogLoss, double TrainLoss, double Minutes) Train(MLContext ml, IDataView train, IDataView test, ImageCnnTrainer.Options options)
    {
        var clock = Stopwatch.StartNew();
        var model = ml.Transforms.SubtractMean("Features", mode: MeanSubtractionMode.PerPixel)
            .Append(ml.MulticlassClassification.Trainers.ImageCnn(options)).Fit(train);
        double minutes = clock.Elapsed.TotalMinutes;
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(test));
        return (metrics.MicroAccuracy, metrics.LogLoss, model.LastTransformer.History.Epochs[^1].TrainLoss, minutes);
    }
}
