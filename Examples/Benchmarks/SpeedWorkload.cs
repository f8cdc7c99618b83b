using Microsoft.ML;
using MLExtensions;
using static TorchSharp.torch;

namespace Benchmarks;

/// <summary>
/// A training and inference workload measured for speed on random images of its size: a fixed number of warm-up
/// batches, then a fixed number of measured ones, then scoring. <see cref="Trainer"/> sets the ImageCnn (or
/// FineTuneImageCnn) options; <see cref="PlainNetwork"/> and <see cref="PlainOptimizer"/>, where given, describe the
/// same network and optimizer for a plain TorchSharp loop.
/// </summary>
internal sealed record SpeedWorkload(
    string Name, string Description, ImageShape Shape, int Classes, int BatchSize, int WarmupBatches, int MeasuredBatches, int InferenceImages)
{
    /// <summary>What trains the images (an IDataView with a Label key and a Features vector), given the callbacks to add.</summary>
    internal required Func<MulticlassClassificationCatalog.MulticlassClassificationTrainers, IEnumerable<TrainingCallback>, IEstimator<ImageCnnTransformer>> Trainer { get; init; }

    internal NetworkDescription? PlainNetwork { get; init; }

    internal Func<IEnumerable<TorchSharp.Modules.Parameter>, optim.Optimizer>? PlainOptimizer { get; init; }

    internal int TrainingImages => (WarmupBatches + MeasuredBatches) * BatchSize;

    /// <summary>True when training computes in bfloat16 (mixed precision); false for float32.</summary>
    internal bool TrainsInBFloat16 { get; init; }

    /// <summary>Forward passes per scored image: 2 with mirror-image test-time augmentation.</summary>
    internal int ScoringPasses { get; init; } = 1;

    internal static IReadOnlyList<SpeedWorkload> All { get; } =
    [
        new("simple", "SimpleConvNet, Fashion-MNIST size (1×28×28), Adam, batch 128, float32", new(1, 28, 28), 10, 128, 20, 150, 5120)
        {
            Trainer = (ml, callbacks) => ml.ImageCnn(With(new ImageCnnTrainer.Options
            {
                Architecture = CnnArchitecture.SimpleConvNet, Widths = [32, 64], HiddenUnits = 128, Dropout = 0.25,
                Optimizer = OptimizerKind.Adam, LearningRate = 1e-3, BatchSize = 128, Epochs = 1, Seed = 1, Device = ComputeDevice.Cpu,
            }, callbacks)),
            PlainNetwork = new() { Architecture = CnnArchitecture.SimpleConvNet, InputShape = new(1, 28, 28), ClassCount = 10, Widths = [32, 64], HiddenUnits = 128, Dropout = 0.25 },
            PlainOptimizer = parameters => optim.Adam(parameters, 1e-3),
        },
        new("resnet20", "ResNet-20 (16/32/64, 3 blocks a stage), 1×28×28, SGD Nesterov, batch 128, float32", new(1, 28, 28), 10, 128, 5, 30, 5120)
        {
            Trainer = (ml, callbacks) => ml.ImageCnn(With(new ImageCnnTrainer.Options
            {
                Architecture = CnnArchitecture.ResNet, Widths = [16, 32, 64], Blocks = [3, 3, 3],
                Optimizer = OptimizerKind.SgdNesterov, LearningRate = 0.1, Momentum = 0.9, WeightDecay = 5e-4, BatchSize = 128, Epochs = 1, Seed = 1, Device = ComputeDevice.Cpu,
            }, callbacks)),
            PlainNetwork = new() { Architecture = CnnArchitecture.ResNet, InputShape = new(1, 28, 28), ClassCount = 10, Widths = [16, 32, 64], Blocks = [3, 3, 3] },
            PlainOptimizer = parameters => optim.SGD(parameters, 0.1, momentum: 0.9, weight_decay: 5e-4, nesterov: true),
        },
        new("recipe", "SmallImageRecipe: ResNet-20, bfloat16, flips, crops, erasing, EMA, mirror TTA; 1×28×28, batch 128", new(1, 28, 28), 10, 128, 5, 30, 5120)
        {
            Trainer = (ml, callbacks) => ml.ImageCnn(With(SmallImageRecipe.Options(epochs: 1), callbacks)),
            TrainsInBFloat16 = true, ScoringPasses = 2,
        },
        new("photo", "ImageCnn defaults for photos: ResNet, 3×128×128, batch 32", new(3, 128, 128), 10, 32, 3, 15, 512)
        {
            Trainer = (ml, callbacks) => ml.ImageCnn(With(new ImageCnnTrainer.Options { Epochs = 1, Seed = 1, Device = ComputeDevice.Cpu }, callbacks)),
        },
        new("resnet18", "torchvision ResNet-18, 3×224×224, FineTuneImageCnn Full, AdamW, batch 32", new(3, 224, 224), 5, 32, 2, 5, 128)
        {
            Trainer = (ml, callbacks) => ml.FineTuneImageCnn(With(new FineTuneTrainer.Options
            {
                Pretrained = PretrainedNetwork.FromTorchVision(TorchVisionModel.ResNet18, TorchVisionTransfer.RandomInitialisation()),
                Strategy = FineTuneStrategy.Full, Optimizer = OptimizerKind.AdamW, LearningRate = 1e-3, BatchSize = 32, Epochs = 1, Seed = 1,
                Device = ComputeDevice.Cpu, CacheBodyFeatures = false,
            }, callbacks)),
        },
    ];

    internal static SpeedWorkload Named(string name) => All.FirstOrDefault(w => w.Name == name)
        ?? throw new ArgumentException($"Unknown workload '{name}'; use one of {string.Join(", ", All.Select(w => w.Name))}.");

    private static T With<T>(T options, IEnumerable<TrainingCallback> callbacks) where T : CnnTrainingOptions
    {
        foreach (var callback in callbacks)
            options.Callbacks.Add(callback);
        options.ThrowOnDivergence = false; // speed only: random labels, and a rare non-finite step must not end the run
        return options;
    }
}
