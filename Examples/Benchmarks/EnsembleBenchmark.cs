using System.Diagnostics;
using Microsoft.ML;
using MLExtensions;

namespace Benchmarks;

/// <summary>
/// Independent SimpleConvNet members on the full training set, and their average (issue: ensemble averager):
/// each member's test accuracy, the ensemble's, and the gain over the best member.
/// </summary>
internal static class EnsembleBenchmark
{
    internal static void Run(MLContext ml, FashionMnistData data, int members, int epochs, bool augment)
    {
        var total = Stopwatch.StartNew();
        var keys = ml.Transforms.Conversion.MapValueToKey("Label").Fit(data.Train);
        var train = ml.Data.Cache(keys.Transform(data.Train));
        var test = ml.Data.Cache(keys.Transform(data.Test));
        int member = 0;
        // The main job's settings; each member gets seed 1 + i (initialisation, shuffling and dropout differ).
        var template = new ImageCnnTrainer.Options
        {
            Optimizer = OptimizerKind.AdamW, LearningRate = 2e-3, WeightDecay = 1e-4, Dropout = 0.3,
            Schedule = LearningRateSchedule.Cosine(warmupEpochs: 1), Epochs = epochs, BatchSize = 128, Seed = 1,
            Device = ComputeDevice.Auto,
            // No seed on the policy: each member derives its own from its seed, so members see different augmentations.
            Augmentation = augment ? new ImageAugmentation().HorizontalFlip(0.5).RandomCrop(padding: 2) : null,
            OnEpochEnd = e =>
            {
                if (e.Epoch == 1)
                    member++;
                Console.WriteLine($"  member {member}: {e}");
            },
        };
        var ensemble = ml.MulticlassClassification.Trainers.AverageEnsemble(template, members).Fit(train);
        double trainMinutes = total.Elapsed.TotalMinutes;

        double Accuracy(ITransformer model) => ml.MulticlassClassification.Evaluate(model.Transform(test)).MicroAccuracy;
        var memberAccuracies = ensemble.Members.Select(Accuracy).ToArray();
        double mean = Accuracy(ensemble);
        double geometric = Accuracy(ml.Transforms.AverageEnsemble(EnsembleCombination.GeometricMean, ensemble.Members.ToArray()));
        // Scoring time, alternated, median of 3: the ensemble against its members one after another.
        var ensembleTimes = new List<double>();
        var membersTimes = new List<double>();
        var clock = new Stopwatch();
        for (int r = 0; r < 3; r++)
        {
            clock.Restart();
            Accuracy(ensemble);
            ensembleTimes.Add(clock.Elapsed.TotalSeconds);
            clock.Restart();
            foreach (var m in ensemble.Members)
                Accuracy(m);
            membersTimes.Add(clock.Elapsed.TotalSeconds);
        }
        double ensembleSeconds = ensembleTimes.Order().ElementAt(1), membersSeconds = membersTimes.Order().ElementAt(1);
        double best = memberAccuracies.Max();

        Console.WriteLine();
        Console.WriteLine($"Ensemble of {members} SimpleConvNet members, {epochs} epochs each{(augment ? ", flip + crop augmentation" : "")}, full Fashion-MNIST ({Environment.ProcessorCount} cores; training {trainMinutes:F1} min).");
        Console.WriteLine();
        Console.WriteLine("| model | test accuracy |");
        Console.WriteLine("| --- | ---: |");
        for (int i = 0; i < memberAccuracies.Length; i++)
            Console.WriteLine($"| member {i + 1} (seed {1 + i}) | {memberAccuracies[i]:P2} |");
        Console.WriteLine($"| **ensemble, mean of probabilities** | **{mean:P2}** |");
        Console.WriteLine($"| ensemble, geometric mean | {geometric:P2} |");
        Console.WriteLine();
        Console.WriteLine($"Gain of the mean ensemble over the best member: {(mean - best) * 100:+0.00;-0.00} points (target ≥ +0.5); " +
                          $"over the members' average: {(mean - memberAccuracies.Average()) * 100:+0.00;-0.00} points.");
        Console.WriteLine($"Scoring the 10,000 test images (median of 3): ensemble {ensembleSeconds:F1} s, its members one after another {membersSeconds:F1} s.");
    }

    /// <summary>One training run with a cyclical schedule, its weights kept at each cycle's end and averaged.</summary>
    internal static void RunSnapshots(MLContext ml, FashionMnistData data, int cycles, int cycleEpochs)
    {
        var total = Stopwatch.StartNew();
        var keys = ml.Transforms.Conversion.MapValueToKey("Label").Fit(data.Train);
        var train = ml.Data.Cache(keys.Transform(data.Train));
        var test = ml.Data.Cache(keys.Transform(data.Test));
        var options = new ImageCnnTrainer.Options
        {
            Optimizer = OptimizerKind.AdamW, LearningRate = 2e-3, WeightDecay = 1e-4, Dropout = 0.3,
            Schedule = LearningRateSchedule.Cyclical(cycleEpochs, minimumFraction: 0.01), Epochs = cycles * cycleEpochs,
            BatchSize = 128, Seed = 1, Device = ComputeDevice.Auto,
            OnEpochEnd = e => Console.WriteLine($"  {e}"),
        };
        var ensemble = ml.MulticlassClassification.Trainers.SnapshotEnsemble(options).Fit(train);
        double Accuracy(ITransformer model) => ml.MulticlassClassification.Evaluate(model.Transform(test)).MicroAccuracy;
        var accuracies = ensemble.Members.Select(Accuracy).ToArray();
        double mean = Accuracy(ensemble);
        // The early snapshots are the weakest; the ensemble of the later ones, from the same run.
        int later = Math.Max(2, (accuracies.Length + 1) / 2);
        double lastHalf = Accuracy(ml.Transforms.AverageEnsemble(ensemble.Members.Skip(accuracies.Length - later).ToArray()));

        Console.WriteLine();
        Console.WriteLine($"Snapshot ensemble: one SimpleConvNet run of {cycles} triangular cycles of {cycleEpochs} epochs, full Fashion-MNIST " +
                          $"({Environment.ProcessorCount} cores; {total.Elapsed.TotalMinutes:F1} min).");
        Console.WriteLine();
        Console.WriteLine("| model | test accuracy |");
        Console.WriteLine("| --- | ---: |");
        for (int i = 0; i < accuracies.Length; i++)
            Console.WriteLine($"| snapshot after epoch {(i + 1) * cycleEpochs} | {accuracies[i]:P2} |");
        Console.WriteLine($"| **snapshot ensemble, mean of all {accuracies.Length}** | **{mean:P2}** |");
        Console.WriteLine($"| snapshot ensemble, mean of the last {later} | {lastHalf:P2} |");
        Console.WriteLine();
        Console.WriteLine($"Gain over the best snapshot: all {(mean - accuracies.Max()) * 100:+0.00;-0.00} points, last {later} {(lastHalf - accuracies.Max()) * 100:+0.00;-0.00} points.");
    }
}
