using System.Diagnostics;
using Microsoft.ML;
using MLExtensions;
using MLExtensions.Augmentation;
using static TorchSharp.torch;

namespace Benchmarks;

/// <summary>
/// What augmentation costs per training step and what it buys in accuracy (issue: augmentation pipeline).
/// </summary>
internal static class AugmentationBenchmark
{
    private static ImageAugmentation Policy(int seed) => new ImageAugmentation(seed).HorizontalFlip(0.5).RandomCrop(padding: 2).RandomErasing(0.25, maxArea: 0.15);

    /// <param name="blocks">Residual blocks per ResNet stage (widths 16, 32, 64).</param>
    internal static void Run(MLContext ml, FashionMnistData data, int epochs, int blocks)
    {
        var (augmentSeconds, stepSeconds) = StepCost();
        Console.WriteLine($"  per batch of 128: augmentation {augmentSeconds * 1000:F2} ms, SimpleConvNet training step {stepSeconds * 1000:F2} ms");

        double Accuracy(ImageAugmentation? augmentation)
        {
            var model = ml.Transforms.Conversion.MapValueToKey("Label")
                .Append(ml.Transforms.SubtractMean("Features", mode: MeanSubtractionMode.PerPixel))
                .Append(ml.MulticlassClassification.Trainers.ImageCnn(new ImageCnnTrainer.Options
                {
                    Architecture = CnnArchitecture.ResNet, Widths = [16, 32, 64], Blocks = [blocks, blocks, blocks],
                    Optimizer = OptimizerKind.AdamW, LearningRate = 2e-3, WeightDecay = 1e-4,
                    Schedule = LearningRateSchedule.Cosine(warmupEpochs: 1), Epochs = epochs, BatchSize = 128, Seed = 1,
                    Device = ComputeDevice.Cpu, Augmentation = augmentation,
                    OnEpochEnd = e => Console.WriteLine($"  ResNet{(augmentation is null ? "" : " + augmentation")} {e}"),
                })).Fit(data.Train);
            return ml.MulticlassClassification.Evaluate(model.Transform(data.Test)).MicroAccuracy;
        }
        double without = Accuracy(null);
        double with = Accuracy(Policy(7));

        Console.WriteLine();
        Console.WriteLine("| measurement | value | target |");
        Console.WriteLine("| --- | ---: | --- |");
        Console.WriteLine($"| augmentation time / SimpleConvNet training step (flip + crop + erasing, batch 128) | {augmentSeconds / stepSeconds:P1} | < 15 % |");
        Console.WriteLine($"| ResNet ({blocks} block(s)/stage) test accuracy, {epochs} epochs, no augmentation | {without:P2} | |");
        Console.WriteLine($"| ResNet ({blocks} block(s)/stage) test accuracy, {epochs} epochs, flip + crop + erasing | {with:P2} | gain > 0 |");
        Console.WriteLine($"| gain | {(with - without) * 100:+0.00;-0.00} points | |");
    }

    // Interleaved so that both see the same machine state: augment a batch, then train on it; median of many.
    private static (double Augment, double Step) StepCost()
    {
        random.manual_seed(1);
        var net = PlainTorchSharpLoop.Network(0.25);
        using var optimizer = optim.Adam(net.parameters(), 1e-3);
        var policy = Policy(3);
        using var context = new AugmentationContext(3, CPU);
        using var images = randn(128, 1, 28, 28);
        using var labels = randint(0, 10, 128);
        var augmentTimes = new List<double>();
        var stepTimes = new List<double>();
        for (int i = 0; i < 60; i++)
        {
            using var scope = NewDisposeScope();
            var clock = Stopwatch.StartNew();
            Tensor x;
            using (no_grad())
                x = policy.Apply(images, null, context).Images;
            augmentTimes.Add(clock.Elapsed.TotalSeconds);
            clock.Restart();
            var loss = nn.functional.cross_entropy(net.forward(x), labels);
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
            stepTimes.Add(clock.Elapsed.TotalSeconds);
        }
        static double Median(List<double> values) => values.Skip(10).Order().ElementAt((values.Count - 10) / 2);
        return (Median(augmentTimes), Median(stepTimes));
    }
}
