using System.Diagnostics;
using Microsoft.ML;
using MLExtensions;

namespace Benchmarks;

/// <summary>
/// Filter pruning on the full Fashion-MNIST: one network trained with the ensemble benchmark's options, then 0, 25, 50
/// and 75 % of its filters removed; parameters, zip size, scoring speed and accuracy, without and with fine-tuning.
/// </summary>
internal static class PruningBenchmark
{
    private static readonly double[] Fractions = [0, 0.25, 0.5, 0.75];

    internal static void Run(MLContext ml, FashionMnistData data, CnnArchitecture architecture, int epochs, int fineTuneEpochs)
    {
        var keys = ml.Transforms.Conversion.MapValueToKey("Label").Fit(data.Train);
        var train = ml.Data.Cache(keys.Transform(data.Train));
        var test = ml.Data.Cache(keys.Transform(data.Test));
        double Accuracy(ITransformer model) => ml.MulticlassClassification.Evaluate(model.Transform(test)).MicroAccuracy;

        var options = DistillationBenchmark.Options(epochs);
        options.Architecture = architecture;
        options.OnEpochEnd = e => Console.WriteLine($"  {architecture}: {e}");
        var clock = Stopwatch.StartNew();
        var model = ml.MulticlassClassification.Trainers.ImageCnn(options).Fit(train);
        double trainMinutes = clock.Elapsed.TotalMinutes;

        var pruned = Fractions.Select(f => model.PruneFilters(f)).ToArray();
        var tuned = pruned.Select((p, i) => Fractions[i] == 0 ? p : FineTune(ml, train, p, fineTuneEpochs, Fractions[i])).ToArray();
        var speeds = ImagesPerSecond(ml, pruned, test);

        Console.WriteLine();
        Console.WriteLine($"Filter pruning of a {architecture} ({string.Join(", ", model.PrunableLayers().Select(l => $"{l.Key} {l.Value}"))} filters) " +
                          $"trained {epochs} epochs ({trainMinutes:F1} min) on full Fashion-MNIST, {Environment.ProcessorCount} cores; " +
                          $"fine-tuning: {fineTuneEpochs} epochs, every layer, AdamW at 5e-4, cosine.");
        Console.WriteLine();
        Console.WriteLine("| filters pruned | parameters | model zip | scoring (images/s) | accuracy, pruned | accuracy, fine-tuned |");
        Console.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: |");
        for (int i = 0; i < Fractions.Length; i++)
            Console.WriteLine($"| {Fractions[i]:P0} | {DistillationBenchmark.Parameters(pruned[i]):N0} | {ZipKilobytes(ml, pruned[i], train.Schema):N0} KB | " +
                              $"{speeds[i]:N0} | {Accuracy(pruned[i]):P2} | {(Fractions[i] == 0 ? "—" : Accuracy(tuned[i]).ToString("P2"))} |");
        Console.WriteLine();
        Console.WriteLine($"Scoring: the 10,000 test images through Transform, median of 5 passes alternated between the sizes; " +
                          $"{speeds[^1] / speeds[0]:F2}× the unpruned speed at 75 %.");
    }

    private static ImageCnnTransformer FineTune(MLContext ml, IDataView train, ImageCnnTransformer pruned, int epochs, double fraction)
        => ml.MulticlassClassification.Trainers.FineTuneImageCnn(new FineTuneTrainer.Options
        {
            Pretrained = PretrainedNetwork.FromModel(pruned), KeepHead = true, Strategy = FineTuneStrategy.Full,
            Optimizer = OptimizerKind.AdamW, LearningRate = 5e-4, WeightDecay = 1e-4, Schedule = LearningRateSchedule.Cosine(),
            Epochs = epochs, BatchSize = 128, Seed = 1, Device = ComputeDevice.Auto,
            OnEpochEnd = e => Console.WriteLine($"  fine-tuning after {fraction:P0} pruned: {e}"),
        }).Fit(train);

    private static double[] ImagesPerSecond(MLContext ml, ImageCnnTransformer[] models, IDataView test)
    {
        var seconds = models.Select(_ => new List<double>()).ToArray();
        var clock = new Stopwatch();
        for (int round = 0; round < 5; round++)
            for (int i = 0; i < models.Length; i++)
            {
                clock.Restart();
                ml.MulticlassClassification.Evaluate(models[i].Transform(test));
                seconds[i].Add(clock.Elapsed.TotalSeconds);
            }
        return seconds.Select(s => 10_000 / s.Order().ElementAt(2)).ToArray();
    }

    private static long ZipKilobytes(MLContext ml, ITransformer model, DataViewSchema schema)
    {
        var path = Path.Combine(Path.GetTempPath(), $"pruned-{Guid.NewGuid():N}.zip");
        ml.Model.Save(model, schema, path);
        long size = new FileInfo(path).Length / 1024;
        File.Delete(path);
        return size;
    }
}
