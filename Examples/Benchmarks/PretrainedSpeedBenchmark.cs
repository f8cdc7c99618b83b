using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLExtensions;

namespace Benchmarks;

/// <summary>
/// What a torchvision ResNet-18 costs on this machine at photo sizes: the time of one FineTuneImageCnn training step
/// (batch 32, every stage training) and ApplyPretrainedNetwork's inference throughput, at 96×96 and 224×224.
/// </summary>
internal static class PretrainedSpeedBenchmark
{
    private const int BatchSize = 32;

    internal static void Run(MLContext ml, PretrainedNetwork network, int[] sizes, int steps, int inferenceImages)
    {
        Console.WriteLine($"| image size | training step (batch {BatchSize}, Full), median of {steps - 1} | training images/s | inference images/s ({inferenceImages} images) |");
        Console.WriteLine("| --- | ---: | ---: | ---: |");
        foreach (int size in sizes)
        {
            var stepSeconds = TrainingStep(ml, network, size, steps);
            double inference = InferenceRate(ml, network, size, inferenceImages);
            Console.WriteLine($"| {size}×{size} | {stepSeconds:F2} s | {BatchSize / stepSeconds:F1} | {inference:F1} |");
        }
    }

    private static double TrainingStep(MLContext ml, PretrainedNetwork network, int size, int steps)
    {
        var timer = new StepTimer();
        var options = new FineTuneTrainer.Options
        {
            Pretrained = network, Strategy = FineTuneStrategy.Full, Epochs = 1, BatchSize = BatchSize, LearningRate = 1e-3,
            Seed = 1, Device = ComputeDevice.Auto, CacheBodyFeatures = false,
        };
        options.Callbacks.Add(timer);
        ml.MulticlassClassification.Trainers.FineTuneImageCnn(options).Fit(Images(ml, steps * BatchSize, size, labelled: true));
        // The first step allocates the kernels' workspaces: leave it out.
        return timer.Seconds.Skip(1).Order().ElementAt((timer.Seconds.Count - 1) / 2);
    }

    private static double InferenceRate(MLContext ml, PretrainedNetwork network, int size, int count)
    {
        var data = ml.Data.Cache(Images(ml, count, size, labelled: false));
        RandomImages.Consume(data, "Features");
        var model = ml.Transforms.ApplyPretrainedNetwork(network).Fit(data);
        RandomImages.Consume(model.Transform(Images(ml, 2 * BatchSize, size, labelled: false)));
        var clock = Stopwatch.StartNew();
        RandomImages.Consume(model.Transform(data));
        return count / clock.Elapsed.TotalSeconds;
    }

    private static IDataView Images(MLContext ml, int count, int size, bool labelled)
        => RandomImages.Create(ml, count, new ImageShape(3, size, size), classes: 5, seed: size, labelled);

    /// <summary>Wall-clock seconds of every batch, forward pass to optimizer step.</summary>
    private sealed class StepTimer : TrainingCallback
    {
        private readonly Stopwatch _clock = new();

        public List<double> Seconds { get; } = [];

        public override void OnBatchBegin(TrainingState state) => _clock.Restart();

        public override void OnBatchEnd(TrainingState state) => Seconds.Add(_clock.Elapsed.TotalSeconds);
    }
}
