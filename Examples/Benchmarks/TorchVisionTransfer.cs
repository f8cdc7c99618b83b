using Microsoft.ML;
using Microsoft.ML.Data;
using MLExtensions;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Benchmarks;

/// <summary>
/// The transfer benchmark with torchvision's ResNet-18 (<c>--architecture TorchVision</c>): Fashion-MNIST as RGB,
/// training from scratch starts from a seeded random initialisation written as a PyTorch file, and the pretrained
/// network reaches the fine-tuners through a <c>.safetensors</c> file (ExportWeights, then FromTorchVision), the path
/// a user's own PyTorch weights take.
/// </summary>
internal static class TorchVisionTransfer
{
    private sealed class RgbImage
    {
        public string Label { get; set; } = "";

        [VectorType(3, FashionMnist.ImageSize, FashionMnist.ImageSize)]
        public float[] Features { get; set; } = [];
    }

    internal static string Folder { get; } = Path.Combine(Path.GetTempPath(), "mlextensions-torchvision-transfer");

    internal static TransferBenchmark.TransferArms Arms(MLContext ml)
    {
        var random = PretrainedNetwork.FromTorchVision(TorchVisionModel.ResNet18, RandomInitialisation());
        return new TransferBenchmark.TransferArms(
            rows => ml.Data.LoadFromEnumerable(rows.Select(Rgb)),
            (view, epochs, batchSize, onEpoch) => FromScratch(ml, random, view, epochs, batchSize, onEpoch),
            model =>
            {
                var path = Path.Combine(Folder, "resnet18-fashion-mnist-5.safetensors");
                model.ExportWeights(path);
                Console.WriteLine($"  wrote the pretrained weights to {path} ({new FileInfo(path).Length / 1e6:F1} MB); fine-tuning starts from that file");
                return PretrainedNetwork.FromTorchVision(TorchVisionModel.ResNet18, path);
            });
    }

    // PyTorch's own initialisation of torchvision's ResNet-18, as a user would save it: torch.save(resnet18().state_dict()).
    internal static string RandomInitialisation()
    {
        Directory.CreateDirectory(Folder);
        var path = Path.Combine(Folder, "resnet18-random.safetensors");
        random.manual_seed(1);
        using var network = TorchSharp.torchvision.models.resnet18(num_classes: 5);
        Safetensors.SaveStateDict(path, network.state_dict());
        return path;
    }

    // Every stage at the same rate: a random network has nothing to keep.
    private static ImageCnnTransformer FromScratch(MLContext ml, PretrainedNetwork random, IDataView view, int epochs, int batchSize, Action<EpochMetrics>? onEpoch)
        => ml.MulticlassClassification.Trainers.FineTuneImageCnn(new FineTuneTrainer.Options
        {
            Pretrained = random, Strategy = FineTuneStrategy.Full,
            Optimizer = OptimizerKind.AdamW, LearningRate = 2e-3, WeightDecay = 1e-4,
            Schedule = LearningRateSchedule.Cosine(warmupEpochs: batchSize > 32 ? 1 : 0), Epochs = epochs, BatchSize = batchSize, Seed = 1,
            Device = ComputeDevice.Auto, OnEpochEnd = onEpoch,
        }).Fit(view);

    private static RgbImage Rgb(FashionMnistImage grey)
        => new() { Label = grey.Label, Features = [.. grey.Features, .. grey.Features, .. grey.Features] };
}
