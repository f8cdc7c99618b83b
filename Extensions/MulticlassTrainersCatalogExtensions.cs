using Microsoft.ML;
using MLExtensions.MLNetInternals;

namespace MLExtensions;

/// <summary>MLExtensions' trainers on <c>mlContext.MulticlassClassification.Trainers</c>.</summary>
public static class MulticlassTrainersCatalogExtensions
{
    /// <summary>
    /// Trains a convolutional network to classify images, with a key-typed label (<c>MapValueToKey</c>). The feature
    /// column holds planar C×H×W float images (<c>ExtractPixels</c> output, or Fashion-MNIST's <c>Features</c>), images
    /// (<c>LoadImages</c>), or encoded image files (<c>LoadRawImageBytes</c>; set <c>ImageHeight</c> and
    /// <c>ImageWidth</c>, the size they are decoded to). Adds <c>Score</c> and <c>PredictedLabel</c>.
    /// </summary>
    public static ImageCnnTrainer ImageCnn(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        ImageCnnTrainer.Options options)
        => new(CatalogEnvironment.Of(catalog), options);

    /// <summary>Trains a convolutional network with the most common settings; see <see cref="ImageCnnTrainer.Options"/> for all of them.</summary>
    public static ImageCnnTrainer ImageCnn(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string labelColumnName = "Label", string featureColumnName = "Features", int epochs = 10, int? batchSize = null,
        double? learningRate = null, CnnArchitecture? architecture = null,
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

    /// <summary>
    /// Trains an <c>ImageCnn</c> student with <paramref name="student"/>'s options to match <paramref name="teacher"/>'s
    /// softened class probabilities as well as the labels (knowledge distillation: a small network learning from an
    /// ensemble or a larger one). The teacher is any fitted model that reads the student's feature column and writes a
    /// class-probability column (<c>Score</c>); see <see cref="DistillImageCnnTrainer"/>.
    /// </summary>
    public static DistillImageCnnTrainer DistillImageCnn(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        ITransformer teacher, ImageCnnTrainer.Options student, DistillationOptions? distillation = null)
        => new(CatalogEnvironment.Of(catalog), teacher, student, distillation);

    /// <summary>
    /// Fits every member on the same training data and averages their class probabilities (see
    /// <see cref="AverageEnsembleTransformer"/>). Members are <c>ImageCnn</c> / <c>FineTuneImageCnn</c> trainers or
    /// pipelines ending in one.
    /// </summary>
    public static AverageEnsembleEstimator AverageEnsemble(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        params IEstimator<ITransformer>[] members)
        => new(CatalogEnvironment.Of(catalog), new AverageEnsembleEstimator.Options(), members);

    /// <summary>Fits every member and combines their probabilities as <paramref name="options"/> say (mean, weighted or geometric).</summary>
    public static AverageEnsembleEstimator AverageEnsemble(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        AverageEnsembleEstimator.Options options, params IEstimator<ITransformer>[] members)
        => new(CatalogEnvironment.Of(catalog), options, members);

    /// <summary>
    /// <paramref name="members"/> ImageCnn networks trained with the same <paramref name="template"/> options but each with
    /// its own seed (template.Seed + i), hence its own initialisation, shuffling, dropout and augmentation.
    /// </summary>
    public static AverageEnsembleEstimator AverageEnsemble(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        ImageCnnTrainer.Options template, int members, AverageEnsembleEstimator.Options? options = null)
        => AverageEnsembleEstimator.FromTemplate(CatalogEnvironment.Of(catalog), template, members, options ?? new AverageEnsembleEstimator.Options());

    /// <summary>
    /// Snapshot ensembling: trains one ImageCnn with a <see cref="LearningRateSchedule.Cyclical"/> schedule and averages
    /// the weights it had at the end of each cycle (or of the last <paramref name="lastSnapshots"/> cycles).
    /// </summary>
    public static SnapshotEnsembleEstimator SnapshotEnsemble(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        ImageCnnTrainer.Options options, int? lastSnapshots = null)
        => new(CatalogEnvironment.Of(catalog), options, lastSnapshots);
}
