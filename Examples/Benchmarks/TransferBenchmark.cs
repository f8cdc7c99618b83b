using System.Diagnostics;
using Microsoft.ML;
using MLExtensions;

namespace Benchmarks;

/// <summary>
/// Fashion-MNIST as a transfer task (issue: transfer-learning fine-tuner): pretrain on five classes with all their
/// images, then learn the other five from 50 images per class, from scratch and with every fine-tuning strategy,
/// for the same number of epochs. Repeated over several draws of the 50 images per class.
/// </summary>
internal static class TransferBenchmark
{
    private static readonly string[] PretrainClasses = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat"];

    internal static void Run(MLContext ml, FashionMnistData data, int pretrainEpochs, int[] budgets, int draws, int perClass)
    {
        var total = Stopwatch.StartNew();
        var train = ml.Data.CreateEnumerable<FashionMnistImage>(data.Train, reuseRowObject: false).ToArray();
        var test = ml.Data.CreateEnumerable<FashionMnistImage>(data.Test, reuseRowObject: false).ToArray();
        var pretrainRows = train.Where(r => PretrainClasses.Contains(r.Label)).ToArray();
        var newRows = train.Where(r => !PretrainClasses.Contains(r.Label)).ToArray();
        var arms = Architecture == CnnArchitecture.TorchVision ? TorchVisionTransfer.Arms(ml) : OwnArms(ml);
        var newTest = arms.Load(test.Where(r => !PretrainClasses.Contains(r.Label)));

        var pretrainView = arms.Load(pretrainRows);
        var pretrainKeys = ml.Transforms.Conversion.MapValueToKey("Label").Fit(pretrainView);
        var clock = Stopwatch.StartNew();
        var pretrained = arms.FromScratch(pretrainKeys.Transform(pretrainView), pretrainEpochs, 128, e => Console.WriteLine($"  pretraining {e}"));
        var pretrainTest = pretrainKeys.Transform(arms.Load(test.Where(r => PretrainClasses.Contains(r.Label))));
        double pretrainAccuracy = ml.MulticlassClassification.Evaluate(pretrained.Transform(pretrainTest)).MicroAccuracy;
        Console.WriteLine($"  pretrained {ArchitectureName} on {pretrainRows.Length} images of {string.Join(", ", PretrainClasses)}: " +
                          $"{pretrainAccuracy:P2} on their test images, {clock.Elapsed.TotalSeconds:F0} s");
        var source = arms.Source(pretrained);

        // What these five classes allow at all: the same network and settings trained from scratch on all their images.
        clock.Restart();
        var allNewView = arms.Load(newRows);
        var allNewKeys = ml.Transforms.Conversion.MapValueToKey("Label").Fit(allNewView);
        var ceilingModel = arms.FromScratch(allNewKeys.Transform(allNewView), pretrainEpochs, 128, null);
        double ceiling = ml.MulticlassClassification.Evaluate(ceilingModel.Transform(allNewKeys.Transform(newTest))).MicroAccuracy;
        Console.WriteLine($"  ceiling: from scratch on all {newRows.Length} images of the other five classes: {ceiling:P2} on their test images, {clock.Elapsed.TotalSeconds:F0} s");

        var verdicts = new List<string>();
        foreach (int epochs in budgets)
            verdicts.Add(RunBudget(ml, arms, source, newRows, newTest, test.Length, pretrainRows.Length, pretrainEpochs, epochs, draws, perClass, ceiling));
        Console.WriteLine();
        Console.WriteLine($"Ceiling (from scratch on all {newRows.Length} images of the five new classes, {pretrainEpochs} epochs): {ceiling:P2}.");
        foreach (var verdict in verdicts)
            Console.WriteLine(verdict);
        Console.WriteLine($"Whole benchmark: {total.Elapsed.TotalMinutes:F1} min on {Environment.ProcessorCount} cores (target ≤ 15).");
    }

    /// <summary>
    /// How one network family takes part: how rows become a data view, how it trains from scratch (pretraining, the
    /// ceiling and the from-scratch arm), and how a pretrained model becomes the fine-tuners' source.
    /// </summary>
    internal sealed record TransferArms(
        Func<IEnumerable<FashionMnistImage>, IDataView> Load,
        Func<IDataView, int, int, Action<EpochMetrics>?, ImageCnnTransformer> FromScratch,
        Func<ImageCnnTransformer, PretrainedNetwork> Source);

    private static TransferArms OwnArms(MLContext ml) => new(
        rows => ml.Data.LoadFromEnumerable(rows),
        (view, epochs, batchSize, onEpoch) =>
        {
            var options = FromScratch(epochs, batchSize, warmup: batchSize > 32 ? 1 : 0);
            options.OnEpochEnd = onEpoch;
            return ml.MulticlassClassification.Trainers.ImageCnn(options).Fit(view);
        },
        PretrainedNetwork.FromModel);

    private static string ArchitectureName => Architecture == CnnArchitecture.TorchVision ? "torchvision ResNet-18" : Architecture.ToString();

    private static string RunBudget(MLContext ml, TransferArms arms, PretrainedNetwork source, FashionMnistImage[] newRows, IDataView newTest, int testCount,
        int pretrainCount, int pretrainEpochs, int epochs, int draws, int perClass, double ceiling)
    {
        var clock = new Stopwatch();
        var runs = new (string Name, Func<IDataView, ITransformer> Fit)[]
        {
            ("from scratch", view => arms.FromScratch(view, epochs, 32, null)),
            ("LinearProbe", view => FineTune(ml, source, FineTuneStrategy.LinearProbe, epochs, view, LinearProbeRate)),
            ("TopBlocks(1)", view => FineTune(ml, source, FineTuneStrategy.TopBlocks(1), epochs, view)),
            ("TopBlocks(2)", view => FineTune(ml, source, FineTuneStrategy.TopBlocks(2), epochs, view)),
            ("Full", view => FineTune(ml, source, FineTuneStrategy.Full, epochs, view)),
            ("Gradual", view => FineTune(ml, source, FineTuneStrategy.Gradual(headEpochs: Math.Max(1, epochs / 3), epochsPerBlock: Math.Max(1, epochs / 6)), epochs, view)),
            ("Auto, similar-domain hint (→ LinearProbe)", view => FineTune(ml, source, FineTuneStrategy.Auto, epochs, view, LinearProbeRate)),
            ("Auto, different-domain hint (→ TopBlocks(1))", view => FineTune(ml, source, FineTuneStrategy.Auto, epochs, view, similarity: DomainSimilarity.Different)),
        };
        var accuracies = runs.ToDictionary(r => r.Name, _ => new List<double>());
        var seconds = runs.ToDictionary(r => r.Name, _ => 0.0);
        for (int draw = 0; draw < draws; draw++)
        {
            var random = new Random(100 + draw);
            var few = newRows.GroupBy(r => r.Label).SelectMany(g => g.OrderBy(_ => random.Next()).Take(perClass)).ToArray();
            var fewView = arms.Load(few);
            var keys = ml.Transforms.Conversion.MapValueToKey("Label").Fit(fewView);
            var fewKeyed = ml.Data.Cache(keys.Transform(fewView));
            var testKeyed = keys.Transform(newTest);
            foreach (var (name, fit) in runs)
            {
                clock.Restart();
                var model = fit(fewKeyed);
                seconds[name] += clock.Elapsed.TotalSeconds;
                double accuracy = ml.MulticlassClassification.Evaluate(model.Transform(testKeyed)).MicroAccuracy;
                accuracies[name].Add(accuracy);
                Console.WriteLine($"  {epochs} epochs, draw {draw + 1}: {name,-45} {accuracy:P2}");
            }
        }

        double scratch = accuracies["from scratch"].Average();
        Console.WriteLine();
        Console.WriteLine($"Transfer, {ArchitectureName}: pretrained on 5 classes ({pretrainCount} images, {pretrainEpochs} epochs), then {perClass} images per class of the other 5; " +
                          $"**{epochs} epochs** each; test: the other 5 classes' {testCount / 2} test images; mean of {draws} draws of the {perClass} images.");
        Console.WriteLine();
        Console.WriteLine("| training | test accuracy (mean) | range over draws | vs from scratch | seconds per run |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: |");
        foreach (var (name, _) in runs)
        {
            var values = accuracies[name];
            Console.WriteLine($"| {name} | {values.Average():P2} | {values.Min():P1} – {values.Max():P1} | " +
                              $"{(name == "from scratch" ? "" : $"{(values.Average() - scratch) * 100:+0.00;-0.00} points")} | {seconds[name] / draws:F1} |");
        }
        var best = runs.Skip(1).Select(r => (r.Name, Accuracy: accuracies[r.Name].Average())).MaxBy(r => r.Accuracy);
        return $"{epochs} epochs: best fine-tuned strategy {best.Name} at {best.Accuracy:P2}, {(best.Accuracy - scratch) * 100:+0.00;-0.00} points over from scratch " +
               $"({scratch:P2}; target ≥ +8); the ceiling is {(ceiling - scratch) * 100:+0.00;-0.00} points above from scratch.";
    }

    /// <summary>
    /// SimpleConvNet (the main job's network), ResNet with widths 16/32/64 and 2 blocks per stage, or TorchVision:
    /// torchvision's ResNet-18 on the images as RGB, its pretrained weights passed through a .safetensors file.
    /// </summary>
    internal static CnnArchitecture Architecture = CnnArchitecture.SimpleConvNet;

    // The main job's settings, used for pretraining, the ceiling and the from-scratch runs.
    private static ImageCnnTrainer.Options FromScratch(int epochs, int batchSize, int warmup) => new()
    {
        Architecture = Architecture,
        Optimizer = OptimizerKind.AdamW, LearningRate = 2e-3, WeightDecay = 1e-4, Dropout = 0.3,
        Schedule = LearningRateSchedule.Cosine(warmupEpochs: warmup), Epochs = epochs, BatchSize = batchSize, Seed = 1,
        Device = ComputeDevice.Auto,
    };

    // A linear probe trains only the head, from scratch, on fixed features: it takes a larger step than fine-tuning
    // the body, which must not move far from its pretrained weights.
    internal static double LinearProbeRate = 3e-2, FineTuneRate = 4e-3, BlockMultiplier = 0.5;

    internal static ImageCnnTransformer FineTune(MLContext ml, PretrainedNetwork source, FineTuneStrategy strategy, int epochs, IDataView data,
        double? rate = null, DomainSimilarity similarity = DomainSimilarity.Similar, int batchSize = 32, Action<EpochMetrics>? onEpoch = null)
        => ml.MulticlassClassification.Trainers.FineTuneImageCnn(new FineTuneTrainer.Options
        {
            Pretrained = source, Strategy = strategy, Similarity = similarity,
            Optimizer = OptimizerKind.AdamW, LearningRate = rate ?? FineTuneRate, WeightDecay = 1e-4, Dropout = 0.3,
            BlockLearningRateMultiplier = BlockMultiplier,
            Schedule = LearningRateSchedule.Cosine(), Epochs = epochs, BatchSize = batchSize, Seed = 1, Device = ComputeDevice.Auto,
            OnEpochEnd = onEpoch,
        }).Fit(data);
}
