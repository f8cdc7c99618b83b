using System.Diagnostics;
using Microsoft.ML;
using MLExtensions;

namespace Benchmarks;

/// <summary>
/// The hyperparameter search on full Fashion-MNIST from the main job's options: learning rate, weight decay
/// and dropout by successive halving (1, 3, 9 epochs), coarse then fine, on the training set with a fifth held out;
/// then the best options trained like the main job (all 60,000 images, 12 epochs) against its 92.24 % test accuracy.
/// </summary>
internal static class SearchBenchmark
{
    internal static void Run(MLContext ml, FashionMnistData data, string trialLog, int confirmEpochs)
    {
        var total = Stopwatch.StartNew();
        var prepare = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.SubtractMean("Features", mode: MeanSubtractionMode.PerPixel)).Fit(data.Train);
        var train = ml.Data.Cache(prepare.Transform(data.Train));
        var test = prepare.Transform(data.Test);
        var search = new HyperparameterSearchOptions
        {
            Ranges = [SearchRange.Log("LearningRate", 3e-4, 1e-2), SearchRange.Log("WeightDecay", 1e-6, 1e-2), SearchRange.Linear("Dropout", 0, 0.5)],
            Trials = 9, RefineTrials = 3, MinEpochs = 1, ReductionFactor = 3, Rungs = 3, TrialLogPath = trialLog,
            OnTrial = t => Console.WriteLine($"  [{total.Elapsed:mm\\:ss}] {t}"),
        };
        var result = HyperparameterSearch.Run(ml, MainJobOptions(12), train, search);
        var searchMinutes = total.Elapsed.TotalMinutes;
        Console.WriteLine();
        Console.WriteLine($"Search: {result.Trials.Count} trials in {searchMinutes:F1} min on {Environment.ProcessorCount} cores (target ≤ 30); trial log {trialLog}.");
        Console.WriteLine(result.Table());
        Console.WriteLine($"Best: {result.Best}");
        Console.WriteLine($"Baseline (the main job's options at the same budget): {result.Baseline}");

        var confirm = (ImageCnnTrainer.Options)result.BestOptions;
        confirm.Epochs = confirmEpochs;
        confirm.ValidationFraction = 0;
        confirm.OnEpochEnd = e => Console.WriteLine($"  confirming: {e}");
        var model = ml.MulticlassClassification.Trainers.ImageCnn(confirm).Fit(train);
        double accuracy = ml.MulticlassClassification.Evaluate(model.Transform(test)).MicroAccuracy;
        Console.WriteLine($"Best options trained like the main job ({confirmEpochs} epochs on all {60000:N0} images): test accuracy {accuracy:P2} " +
                          $"(the main job's options: 92.24 %); {total.Elapsed.TotalMinutes:F1} min in all.");
    }

    // The main job's ImageCnn options (Examples/FashionMnist).
    private static ImageCnnTrainer.Options MainJobOptions(int epochs) => new()
    {
        Architecture = CnnArchitecture.SimpleConvNet, Optimizer = OptimizerKind.AdamW, LearningRate = 2e-3, WeightDecay = 1e-4,
        Schedule = LearningRateSchedule.Cosine(warmupEpochs: 1), Dropout = 0.3, Epochs = epochs, BatchSize = 128, Seed = 1, Device = ComputeDevice.Auto,
    };
}
