using Microsoft.ML;

namespace MLExtensions.UnitTests;

/// <summary>
/// The training run the resume tests interrupt and continue: small real data, augmentation, dropout, a cosine
/// schedule with warmup. Shared by the tests and by TrainingChild, so both train exactly the same run.
/// </summary>
public static class ResumeScenario
{
    public const int Epochs = 4;

    /// <summary>The first <paramref name="rows"/> training images of the embedded Fashion-MNIST subset, labels mapped to keys.</summary>
    public static IDataView Data(MLContext ml, int rows = 160)
    {
        var data = ml.Data.LoadFashionMnist(FashionMnistSource.EmbeddedSubset);
        var keyMap = ml.Transforms.Conversion.MapValueToKey("Label").Fit(data.Train);
        return keyMap.Transform(ml.Data.TakeRows(data.Train, rows));
    }

    public static ImageCnnTrainer.Options Options(CnnArchitecture architecture, bool validation, string? checkpointDirectory = null) => new()
    {
        Architecture = architecture,
        Widths = [4, 8],
        Blocks = architecture == CnnArchitecture.ResNet ? [1, 1] : null,
        HiddenUnits = 16,
        Dropout = 0.25,
        Optimizer = OptimizerKind.AdamW,
        LearningRate = 3e-3,
        WeightDecay = 1e-3,
        Schedule = LearningRateSchedule.Cosine(warmupEpochs: 1),
        Augmentation = new ImageAugmentation(seed: 3).HorizontalFlip().RandomCrop(padding: 2).RandomErasing(0.5, maxArea: 0.2).Mixup(0.4),
        ValidationFraction = validation ? 0.25 : 0,
        Epochs = Epochs,
        BatchSize = 32,
        Seed = 5,
        Device = ComputeDevice.Cpu,
        CheckpointDirectory = checkpointDirectory,
    };
}
