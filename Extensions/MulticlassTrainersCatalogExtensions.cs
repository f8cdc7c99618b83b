using Microsoft.ML;
using MLExtensions.MLNetInternals;

namespace MLExtensions;

/// <summary>MLExtensions' trainers on <c>mlContext.MulticlassClassification.Trainers</c>.</summary>
public static class MulticlassTrainersCatalogExtensions
{
    /// <summary>
    /// Trains a convolutional network on planar C×H×W float images (e.g. <c>ExtractPixels</c> output, or Fashion-MNIST's
    /// <c>Features</c>) with a key-typed label. Adds <c>Score</c> and <c>PredictedLabel</c>.
    /// </summary>
    public static ImageCnnTrainer ImageCnn(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        ImageCnnTrainer.Options options)
        => new(CatalogEnvironment.Of(catalog), options);

    /// <summary>Trains a convolutional network with the most common settings; see <see cref="ImageCnnTrainer.Options"/> for all of them.</summary>
    public static ImageCnnTrainer ImageCnn(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string labelColumnName = "Label", string featureColumnName = "Features", int epochs = 10, int batchSize = 64,
        double learningRate = 1e-3, CnnArchitecture architecture = CnnArchitecture.SimpleConvNet,
        OptimizerKind optimizer = OptimizerKind.Adam, ComputeDevice device = ComputeDevice.Auto)
        => catalog.ImageCnn(new ImageCnnTrainer.Options
        {
            LabelColumnName = labelColumnName,
            FeatureColumnName = featureColumnName,
            Epochs = epochs,
            BatchSize = batchSize,
            LearningRate = learningRate,
            Architecture = architecture,
            Optimizer = optimizer,
            Device = device,
        });

    /// <summary>
    /// Fine-tunes a pretrained network (<see cref="FineTuneTrainer.Options.Pretrained"/>) on new images and labels:
    /// replaces its classifier for the new classes and trains what <see cref="FineTuneTrainer.Options.Strategy"/> says.
    /// Adds <c>Score</c> and <c>PredictedLabel</c>, like <c>ImageCnn</c>.
    /// </summary>
    public static FineTuneTrainer FineTuneImageCnn(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        FineTuneTrainer.Options options)
        => new(CatalogEnvironment.Of(catalog), options);
}
